import type { CandidateSource, DegradedReason } from '../gateway/generated/resolvers-types.ts';

/** One ranked entry; `Recommendation.item` and `explanation` are resolved from it lazily. */
export interface RankedItem {
  /** 1-based */
  readonly position: number;
  readonly score: number;
  readonly itemId: string;
  readonly source: CandidateSource;
  /** Inner product with the viewer's query vector; null for trending. */
  readonly similarity: number | null;
  /** Whether a model produced `score`. */
  readonly modelScored: boolean;
}

/** What `Ranking` resolves from: the answer of one stage of the feed. */
export interface RankingResult {
  readonly stage: 'COARSE' | 'REFINED';
  readonly source: CandidateSource;
  readonly model: string | null;
  readonly degraded: boolean;
  readonly degradedReason: DegradedReason | null;
  readonly latencyMs: number;
  readonly items: readonly RankedItem[];
}
