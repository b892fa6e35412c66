import { featureCount, writeFeatureRow } from '../pipeline/feature-layout.ts';
import type { Random } from './random.ts';
import type { SyntheticWorld } from './synthetic-data.ts';
import { exactTopK } from './top-k.ts';

/**
 * The ranker's training examples: which (user, item) pairs, with which labels, and the feature
 * rows built from them through the serving code's `writeFeatureRow`.
 */

/** What training reads from a world (synthetic now; a MovieLens loader can give the same shape). */
export type RankerTrainingData = Pick<SyntheticWorld, 'dimension' | 'itemVectors' | 'userVectors' | 'itemPopularity'> & {
  readonly interactions: Pick<SyntheticWorld['interactions'], 'itemIndex' | 'userOffsets'>;
};

/** Negatives per positive: one "retrieval would return it" hard negative, one popular-or-random. */
const NEGATIVES_PER_POSITIVE = 2;
/** How many items retrieval returns; hard negatives imitate its top of the list. */
const RETRIEVAL_DEPTH = 500;
/** Hard negatives come from the best of this many random items per user (an exact scan per user would cost users x items). */
const HARD_NEGATIVE_SAMPLE = 1000;
const HARD_NEGATIVE_POOL_MIN = 10;

/** Training examples as parallel arrays: example e is (user[e], item[e]) with label[e] (1 = interacted). */
export interface Examples {
  readonly user: Uint32Array;
  readonly item: Uint32Array;
  readonly label: Uint8Array;
  /** Example indices. */
  readonly train: Uint32Array;
  readonly heldOut: Uint32Array;
  readonly positives: number;
}

/**
 * Positives are interactions (subsampled to fit `maxExamples`); each brings one hard negative
 * (an item from the user's approximate retrieval top that they did not touch) and one
 * popular (drawn from the interaction log) or uniformly random negative.
 */
export function buildExamples(data: RankerTrainingData, random: Random, maxExamples: number, heldOutShare: number): Examples {
  const { userOffsets, itemIndex } = data.interactions;
  const userCount = userOffsets.length - 1;
  const itemCount = data.itemPopularity.length;
  const d = data.dimension;
  const perPositive = 1 + NEGATIVES_PER_POSITIVE;
  const interactions = userOffsets[userCount]!;
  const keep = Math.min(1, maxExamples / (perPositive * Math.max(1, interactions)));
  const capacity = Math.min(maxExamples, perPositive * interactions) + perPositive * 64;

  const heldOutUsers = new Uint8Array(userCount);
  const permutation = random.permutation(userCount);
  const heldOutCount = userCount < 2 ? 0 : Math.max(1, Math.round(heldOutShare * userCount));
  for (let j = 0; j < heldOutCount; j++) heldOutUsers[permutation[j]!] = 1;

  const user = new Uint32Array(capacity);
  const item = new Uint32Array(capacity);
  const label = new Uint8Array(capacity);
  const touchedBy = new Int32Array(itemCount).fill(-1);
  // Small catalogs: scan them whole. Large ones: a distinct uniform sample, whose best
  // (sample x depth / items) stand in for retrieval's top `depth` of the catalog.
  const scanAll = itemCount <= 2 * HARD_NEGATIVE_SAMPLE;
  const sampleSize = scanAll ? itemCount : HARD_NEGATIVE_SAMPLE;
  const poolSize = Math.min(sampleSize, Math.max(HARD_NEGATIVE_POOL_MIN, Math.round((sampleSize * RETRIEVAL_DEPTH) / itemCount)));
  const sample = new Uint32Array(sampleSize);
  const sampledBy = new Int32Array(scanAll ? 0 : itemCount).fill(-1);
  let n = 0;
  let positives = 0;
  const add = (u: number, i: number, y: number): void => {
    user[n] = u;
    item[n] = i;
    label[n] = y;
    n++;
  };
  // Draws until it finds an item the user did not touch; undefined if the catalog is exhausted.
  const untouched = (u: number, draw: () => number): number | undefined => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const i = draw();
      if (touchedBy[i] !== u) return i;
    }
    return undefined;
  };
  for (let u = 0; u < userCount && n + perPositive <= capacity; u++) {
    const from = userOffsets[u]!;
    const to = userOffsets[u + 1]!;
    if (to === from) continue;
    for (let k = from; k < to; k++) touchedBy[itemIndex[k]!] = u;
    const chosen: number[] = [];
    for (let k = from; k < to; k++) if (random.chance(keep)) chosen.push(itemIndex[k]!);
    if (chosen.length === 0) continue;
    // The user's approximate retrieval top: the best of a uniform sample, minus what they touched.
    if (!scanAll) {
      for (let s = 0; s < sampleSize; s++) {
        let i = random.int(itemCount);
        while (sampledBy[i] === u) i = random.int(itemCount);
        sampledBy[i] = u;
        sample[s] = i;
      }
    }
    const top = exactTopK(data.userVectors, u, data.itemVectors, d, poolSize, scanAll ? undefined : sample).indices.filter((i) => touchedBy[i] !== u);
    for (const positive of chosen) {
      if (n + perPositive > capacity) break;
      add(u, positive, 1);
      positives++;
      const hard = top.length > 0 ? top[random.int(top.length)]! : untouched(u, () => random.int(itemCount));
      if (hard !== undefined) add(u, hard, 0);
      const other = random.chance(0.5)
        ? untouched(u, () => itemIndex[random.int(interactions)]!)
        : untouched(u, () => random.int(itemCount));
      if (other !== undefined) add(u, other, 0);
    }
  }
  const train: number[] = [];
  const heldOut: number[] = [];
  for (let e = 0; e < n; e++) (heldOutUsers[user[e]!] ? heldOut : train).push(e);
  return {
    user: user.subarray(0, n),
    item: item.subarray(0, n),
    label: label.subarray(0, n),
    train: Uint32Array.from(train),
    heldOut: Uint32Array.from(heldOut),
    positives,
  };
}

/** One feature row at a time, through the serving code's `writeFeatureRow`. */
export class RowBuilder {
  private readonly row: Float32Array;
  constructor(private readonly data: RankerTrainingData) {
    this.row = new Float32Array(featureCount(data.dimension));
  }

  /** The row for (user, item); valid until the next call. */
  build(user: number, item: number): Float32Array {
    const d = this.data.dimension;
    const u = this.data.userVectors.subarray(user * d, user * d + d);
    const v = this.data.itemVectors.subarray(item * d, item * d + d);
    writeFeatureRow(this.row, 0, u, v, this.data.itemPopularity[item]!);
    return this.row;
  }

  /** Rows for many examples, row-major, for batch evaluation. */
  buildMany(examples: Examples, indices: Uint32Array): Float32Array {
    const F = this.row.length;
    const out = new Float32Array(indices.length * F);
    for (let r = 0; r < indices.length; r++) out.set(this.build(examples.user[indices[r]!]!, examples.item[indices[r]!]!), r * F);
    return out;
  }
}
