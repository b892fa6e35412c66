import { TopK } from '../adapters/ann/top-k.ts';

/**
 * Exact top-K by inner product, for offline work (precomputed lists, hard negatives, checks of
 * the ANN index).
 */

/** Inner product of row `a` of `as` with row `b` of `bs` (both `dimension` wide), in float64. */
export function rowDot(as: Float32Array, a: number, bs: Float32Array, b: number, dimension: number): number {
  const ao = a * dimension;
  const bo = b * dimension;
  let sum = 0;
  for (let j = 0; j < dimension; j++) sum += as[ao + j]! * bs[bo + j]!;
  return sum;
}

/**
 * The k rows of `vectors` with the largest inner product with row `queryRow` of `queries`,
 * best first, scanning every row (or only `candidates`, which should be distinct, when given).
 */
export function exactTopK(
  queries: Float32Array,
  queryRow: number,
  vectors: Float32Array,
  dimension: number,
  k: number,
  candidates?: ArrayLike<number>,
): { indices: Uint32Array; scores: Float64Array } {
  const top = new TopK(Math.min(k, candidates ? candidates.length : vectors.length / dimension));
  const n = candidates ? candidates.length : vectors.length / dimension;
  const qo = queryRow * dimension;
  for (let c = 0; c < n; c++) {
    const i = candidates ? candidates[c]! : c;
    // Inlined rowDot: this loop is the whole cost of precomputing head-user lists.
    const io = i * dimension;
    let sum = 0;
    for (let j = 0; j < dimension; j++) sum += queries[qo + j]! * vectors[io + j]!;
    if (sum >= top.threshold) top.push(i, sum);
  }
  return top.result();
}
