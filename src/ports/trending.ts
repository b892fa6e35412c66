import type { ScoredItemId } from './feature-store.ts';

/** Trending port: decayed interaction counts over the catalog. */
export interface TrendingSource {
  top(n: number): Promise<ScoredItemId[]>;
  record(itemId: string, weight: number, atMs: number): Promise<void>;
}
