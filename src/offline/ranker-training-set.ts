import { featureCount, writeFeatureRow, type ItemInputs } from '../pipeline/feature-layout.ts';
import type { Random } from './random.ts';
import type { UserSequences } from './user-sequences.ts';
import { offlineViewerInputs } from './viewer-inputs.ts';

/**
 * The ranker's training rows: the refined pass's task exactly. For each target (a positive
 * the embeddings never saw) that retrieval put among the user's candidates, one positive row
 * and `negativesPerTarget` rows for other candidates of the same list. Targets retrieval
 * missed are left out: beside the candidates they would look unlike anything the ranker is
 * ever asked to score (lower user . item by construction), and it would learn to reward a low
 * retrieval score. Half the targets come with a session (the positives just before), half
 * without.
 */
export interface RankerTrainingSetInput {
  /** What the embeddings were trained on; the session and "seen" items come from here. */
  readonly history: UserSequences;
  /** The positives to predict, per user (holdOutLastPositives' targets). */
  readonly targets: UserSequences;
  /** Retrieval's candidates per user row (item rows, best first), already without seen items. */
  readonly candidates: (user: number) => Uint32Array | undefined;
  readonly userVectors: Float32Array;
  readonly itemVectors: Float32Array;
  readonly dimension: number;
  readonly genreProfiles: Float32Array;
  readonly genreCount: number;
  /** Per item row: what serving reads from the feature store. */
  readonly items: (item: number) => ItemInputs;
  readonly positiveThreshold: number;
  readonly negativesPerTarget: number;
  readonly random: Random;
}

export interface RankerTrainingSet {
  /** Row-major [rows x featureCount(d)]. */
  readonly features: Float32Array;
  readonly labels: Uint8Array;
  readonly rows: number;
  readonly inputSize: number;
  /** User row of each row, to hold out whole users. */
  readonly users: Uint32Array;
}

export function buildRankerTrainingSet(input: RankerTrainingSetInput): RankerTrainingSet {
  const F = featureCount(input.dimension);
  const users = input.targets.userOffsets.length - 1;
  const perTarget = 1 + input.negativesPerTarget;
  const capacity = input.targets.itemIndex.length * perTarget;
  const features = new Float32Array(capacity * F);
  const labels = new Uint8Array(capacity);
  const rowUsers = new Uint32Array(capacity);
  let rows = 0;
  for (let u = 0; u < users; u++) {
    const candidates = input.candidates(u);
    if (!candidates || candidates.length < 2) continue;
    const inCandidates = new Set(candidates);
    for (let t = input.targets.userOffsets[u]!; t < input.targets.userOffsets[u + 1]!; t++) {
      const target = input.targets.itemIndex[t]!;
      if (!inCandidates.has(target)) continue;
      const withSession = input.random.uniform() < 0.5;
      // The history before the target's time, so the session never contains the future.
      const before = firstAtOrAfter(input.history, u, input.targets.timestamp[t]!);
      const viewer = offlineViewerInputs(
        u, before, input.history, input.userVectors, input.itemVectors, input.dimension,
        input.genreProfiles, input.genreCount, input.positiveThreshold, withSession,
      );
      writeFeatureRow(features, rows, viewer, input.items(target));
      labels[rows] = 1;
      rowUsers[rows++] = u;
      for (let n = 0; n < input.negativesPerTarget; n++) {
        const negative = candidates[input.random.int(candidates.length)]!;
        if (negative === target) continue;
        writeFeatureRow(features, rows, viewer, input.items(negative));
        labels[rows] = 0;
        rowUsers[rows++] = u;
      }
    }
  }
  return { features: features.subarray(0, rows * F), labels: labels.subarray(0, rows), rows, inputSize: F, users: rowUsers.subarray(0, rows) };
}

/** The first interaction of user `u` at or after `timestamp` (the user's end when none). */
function firstAtOrAfter(sequences: UserSequences, u: number, timestamp: number): number {
  let i = sequences.userOffsets[u]!;
  const end = sequences.userOffsets[u + 1]!;
  while (i < end && sequences.timestamp[i]! < timestamp) i++;
  return i;
}
