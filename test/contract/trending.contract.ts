import { describe, expect, it } from 'vitest';
import type { ScoredItemId } from '../../src/ports/feature-store.ts';
import type { TrendingSource } from '../../src/ports/trending.ts';

/** What any TrendingSource must do, given one seeded with `baseline`. */
export function trendingContract(name: string, open: (baseline: readonly ScoredItemId[]) => Promise<TrendingSource>): void {
  describe(`TrendingSource contract: ${name}`, () => {
    const baseline = [
      { itemId: 'a', score: 0.5 },
      { itemId: 'b', score: 0.3 },
      { itemId: 'c', score: 0.2 },
    ];

    it('starts from the offline list, best first, at most n', async () => {
      const trending = await open(baseline);
      const top = await trending.top(2);
      expect(top.map((e) => e.itemId)).toEqual(['a', 'b']);
      expect(top[0]!.score).toBeGreaterThan(top[1]!.score);
    });

    it('moves an item up as events arrive, more for heavier events', async () => {
      const trending = await open(baseline);
      const now = Date.now();
      for (let i = 0; i < 400; i++) await trending.record('c', 1, now);
      await trending.record('d', 3, now);
      const top = await trending.top(10);
      expect(top[0]!.itemId).toBe('c');
      expect(top.map((e) => e.itemId)).toContain('d');
    });

    it('lets recent events count more than old ones', async () => {
      const trending = await open([]);
      const now = Date.now();
      await trending.record('old', 1, now - 24 * 3600_000);
      await trending.record('new', 1, now);
      expect((await trending.top(2)).map((e) => e.itemId)).toEqual(['new', 'old']);
    });
  });
}
