import type { ScoredItemId } from './feature-store.ts';

/** Candidate index port: nearest items to a query vector by inner product, best first. */
export interface CandidateIndex {
  readonly dimension: number;
  readonly size: number;
  search(query: Float32Array, k: number): Promise<ScoredItemId[]>;
}
