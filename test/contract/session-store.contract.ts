import { describe, expect, it } from 'vitest';
import { updateSession } from '../../src/pipeline/record-event.ts';
import type { SessionState, SessionStore } from '../../src/ports/session-store.ts';

const state = (n: number): SessionState => ({
  vector: Float32Array.from([n, n + 1, n + 2]),
  weight: n,
  updatedAt: 1_700_000_000_000 + n,
  events: n,
  recentItemIds: [`item-${n}`],
});

/** What any SessionStore must do. `open` gives a store with no sessions under its keys. */
export function sessionStoreContract(name: string, open: () => Promise<SessionStore>): void {
  describe(`SessionStore contract: ${name}`, () => {
    it('returns null for a viewer with no session', async () => {
      const store = await open();
      expect(await store.get('u:nobody')).toBeNull();
    });

    it('returns what was put, per viewer, the last put winning', async () => {
      const store = await open();
      await store.put('u:a', state(1));
      await store.put('s:b', state(2));
      await store.put('u:a', state(3));
      const a = await store.get('u:a');
      expect(Array.from(a!.vector)).toEqual([3, 4, 5]);
      expect(a).toMatchObject({ weight: 3, events: 3, updatedAt: 1_700_000_000_003, recentItemIds: ['item-3'] });
      expect((await store.get('s:b'))!.events).toBe(2);
    });

    it('loses no fold when one viewer\'s events are folded concurrently', async () => {
      const store = await open();
      const folds = 8;
      await Promise.all(
        Array.from({ length: folds }, (_, i) =>
          updateSession(store, 'u:busy', (previous) => ({
            ...(previous ?? state(0)),
            events: (previous?.events ?? 0) + 1,
            recentItemIds: [`item-${i}`, ...(previous?.recentItemIds ?? [])],
          })),
        ),
      );
      const after = await store.get('u:busy');
      expect(after!.events).toBe(folds);
      expect(new Set(after!.recentItemIds)).toEqual(new Set(Array.from({ length: folds }, (_, i) => `item-${i}`)));
    });
  });
}
