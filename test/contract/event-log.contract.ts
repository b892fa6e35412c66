import { describe, expect, it } from 'vitest';
import type { EventLog } from '../../src/ports/event-log.ts';

/** What any EventLog must do. */
export function eventLogContract(name: string, open: () => Promise<EventLog>): void {
  describe(`EventLog contract: ${name}`, () => {
    it('gives every appended event a distinct id', async () => {
      const log = await open();
      const ids = await Promise.all(
        Array.from({ length: 50 }, (_, i) => log.append({ viewerKey: 's:x', itemId: String(i + 1), type: 'CLICK', occurredAt: Date.now() })),
      );
      expect(new Set(ids).size).toBe(50);
      for (const id of ids) expect(id).toEqual(expect.any(String));
    });
  });
}
