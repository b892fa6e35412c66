import type { ScoredItemId } from '../../ports/feature-store.ts';
import type { TrendingSource } from '../../ports/trending.ts';

/** Trending counts halve every 6 hours. */
export const TRENDING_HALF_LIFE_MS = 6 * 3600_000;
/** The offline trending list counts as this many events spread over its items. */
export const TRENDING_BASELINE_EVENTS = 1000;

/**
 * In-memory decayed counts with forward decay: an event adds w * 2^((t - landmark)/halfLife),
 * so stored values never need touching as time passes; reading divides by 2^((now - landmark)/halfLife).
 */
export class MemoryTrending implements TrendingSource {
  private readonly boosted = new Map<string, number>();
  private sortedCache: ScoredItemId[] | null = null;
  private readonly landmarkMs: number;

  constructor(baseline: readonly ScoredItemId[], nowMs: number = Date.now()) {
    this.landmarkMs = nowMs;
    const total = baseline.reduce((sum, entry) => sum + entry.score, 0) || 1;
    for (const entry of baseline) this.boosted.set(entry.itemId, (entry.score / total) * TRENDING_BASELINE_EVENTS);
  }

  async record(itemId: string, weight: number, atMs: number): Promise<void> {
    const value = weight * Math.pow(2, (atMs - this.landmarkMs) / TRENDING_HALF_LIFE_MS);
    this.boosted.set(itemId, (this.boosted.get(itemId) ?? 0) + value);
    this.sortedCache = null;
  }

  async top(n: number, nowMs: number = Date.now()): Promise<ScoredItemId[]> {
    this.sortedCache ??= [...this.boosted]
      .map(([itemId, score]) => ({ itemId, score }))
      .sort((a, b) => b.score - a.score || compareIds(a.itemId, b.itemId));
    const scale = Math.pow(2, -(nowMs - this.landmarkMs) / TRENDING_HALF_LIFE_MS);
    return this.sortedCache.slice(0, n).map((e) => ({ itemId: e.itemId, score: e.score * scale }));
  }
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
