import type { ScoredItemId } from './feature-store.ts';

/**
 * How hard a search tries. `quick` is for a first answer of a few items that a full search
 * replaces moments later (the coarse payload): an approximate index may then look at fewer
 * candidates; an exact one ignores it.
 */
export type SearchEffort = 'full' | 'quick';

/** Candidate index port: nearest items to a query vector by inner product, best first. */
export interface CandidateIndex {
  readonly dimension: number;
  readonly size: number;
  search(query: Float32Array, k: number, effort?: SearchEffort): Promise<ScoredItemId[]>;
  /** Releases what the index holds beyond memory (search threads); absent when nothing. */
  close?(): Promise<void>;
}
