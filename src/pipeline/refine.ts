import type { DegradedReason } from '../gateway/generated/resolvers-types.ts';
import { RankerError } from '../ports/ranker.ts';
import type { CandidateSet } from './candidates.ts';
import { DeadlineExceededError, raceDeadline, type Deadline } from './deadline.ts';
import { featureCount, writeFeatureRowFrom } from './feature-layout.ts';
import type { ItemFeatureColumns } from '../ports/feature-store.ts';
import type { RankedItem } from './ranking-result.ts';
import type { Scorer } from './ranking-policy.ts';
import { TopK } from './top-k.ts';

/** What the refined pass produced: a model order, or why the coarse order stands. */
export type RefineOutcome =
  | { readonly ok: true; readonly items: RankedItem[]; readonly model: string }
  | { readonly ok: false; readonly reason: DegradedReason };

/**
 * The refined pass: load candidate features in one batch, assemble one Float32Array, score it
 * with the ranking policy's model, keep the best `first`. Everything runs against `deadline`; a missed
 * deadline or a failed ranker is an outcome, never a thrown error.
 */
export async function refineCandidates(
  set: CandidateSet,
  first: number,
  score: Scorer,
  /**
   * The candidates' features in one read. Not a DataLoader: nothing else in a request reads
   * these hundreds of keys, and a loader's promise and cache entry per key cost more than the read.
   * `rowHints[i]` is candidate i's catalog row, or -1 (see `FeatureStore.getItemFeatureColumns`).
   * Columns, so that a store holding its vectors in one array hands them over without a view each.
   */
  readFeatures: (itemIds: readonly string[], rowHints: ArrayLike<number>) => Promise<ItemFeatureColumns>,
  deadline: Deadline,
  /** Where the feature matrix comes from (a ranker's reused buffers); it may hold old values. */
  matrixOf: (length: number) => Float32Array = (length) => new Float32Array(length),
): Promise<RefineOutcome> {
  if (!set.viewer) return { ok: false, reason: 'COLD_START' };
  try {
    const ids = set.candidates.map((c) => c.itemId);
    // A loop, not Int32Array.from: from() with a map function iterates (an object per element).
    const rowHints = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) rowHints[i] = set.candidates[i]!.row ?? -1;
    const features = await raceDeadline(readFeatures(ids, rowHints), deadline);
    const cols = featureCount(set.viewer.user.length);
    const rows: number[] = []; // candidate positions that have features
    const matrix = matrixOf(ids.length * cols); // every row passed on is written whole below
    const { vectorStart, vectors, popularity, genreMask, year } = features;
    if (vectorStart.length !== ids.length) throw new Error(`feature read answered ${vectorStart.length} items for ${ids.length}`);
    for (let i = 0; i < ids.length; i++) {
      const start = vectorStart[i]!;
      if (start < 0) continue; // an item the store lost is left out, not fatal
      writeFeatureRowFrom(matrix, rows.length, set.viewer, vectors, start, popularity[i]!, genreMask[i]!, year[i]!);
      rows.push(i);
    }
    if (rows.length === 0) return { ok: false, reason: 'BACKEND_UNAVAILABLE' };
    const input = rows.length === ids.length ? matrix : matrix.subarray(0, rows.length * cols);
    const { scores, model } = await raceDeadline(score(input, rows.length, deadline), deadline);
    // Only the page is ordered: a heap of `first` instead of sorting every scored row
    // (500 rows through a comparator cost ~0.1 ms a request). Ties keep retrieval order.
    const best = new TopK(first);
    for (let r = 0; r < rows.length; r++) best.push(r, scores[r]!);
    const items = Array.from(best.result().indices, (r, position): RankedItem => {
      const candidate = set.candidates[rows[r]!]!;
      return {
        position: position + 1,
        score: scores[r]!,
        itemId: candidate.itemId,
        source: set.source,
        similarity: candidate.score,
        modelScored: true,
      };
    });
    return { ok: true, items, model };
  } catch (error) {
    return { ok: false, reason: degradedReasonOf(error) };
  }
}

function degradedReasonOf(error: unknown): DegradedReason {
  if (error instanceof DeadlineExceededError) return 'DEADLINE_EXCEEDED';
  if (error instanceof RankerError) return error.reason;
  return 'BACKEND_UNAVAILABLE';
}
