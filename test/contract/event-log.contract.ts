import { describe, expect, it } from 'vitest';
import type { EventLog } from '../../src/ports/event-log.ts';

/** What any EventLog must do. `open` gives a log with nothing in it. */
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

    it('counts appended and dead-lettered events apart', async () => {
      const log = await open();
      expect(await log.counts()).toEqual({ accepted: 0, deadLettered: 0 });
      await log.append({ viewerKey: 'u:1', itemId: '1', type: 'VIEW', occurredAt: Date.now() });
      await log.deadLetter('{"itemId":', 'the line is not valid JSON', 'u:1', 'MALFORMED_JSON');
      await log.deadLetter('{}', 'itemId is required', null);
      expect(await log.counts()).toEqual({ accepted: 1, deadLettered: 2 });
    });

    it('appends a batch with ids in order, and dead-letters its rejected part', async () => {
      const log = await open();
      const now = Date.now();
      const accepted = Array.from({ length: 300 }, (_, i) => ({ viewerKey: 's:batch', itemId: String(i), type: 'PURCHASE' as const, occurredAt: now + i }));
      const rejected = Array.from({ length: 30 }, (_, i) => ({ raw: `bad ${i}`, code: 'UNKNOWN_ITEM', reason: 'no item', viewerKey: 's:batch' }));
      const ids = await log.appendBatch(accepted, rejected);
      expect(ids).toHaveLength(300);
      expect(new Set(ids).size).toBe(300);
      expect(await log.counts()).toEqual({ accepted: 300, deadLettered: 30 });
      expect(await log.appendBatch([], [])).toEqual([]);
      expect(await log.counts()).toEqual({ accepted: 300, deadLettered: 30 });
    });
  });
}
