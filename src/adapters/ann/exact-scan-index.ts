import type { CandidateIndex } from '../../ports/candidate-index.ts';
import type { ScoredItemId } from '../../ports/feature-store.ts';
import { TopK } from '../../pipeline/top-k.ts';

/**
 * Exact inner-product search by scanning every item: the reference for approximate indexes
 * and the default for small catalogs (20k x 32 scans in about a millisecond).
 */
export class ExactScanIndex implements CandidateIndex {
  readonly size: number;

  constructor(
    private readonly vectors: Float32Array,
    private readonly itemIds: readonly string[],
    readonly dimension: number,
  ) {
    this.size = itemIds.length;
    if (vectors.length !== this.size * dimension) throw new Error('vectors do not match ids x dimension');
  }

  async search(query: Float32Array, k: number): Promise<ScoredItemId[]> {
    if (query.length !== this.dimension) throw new Error(`query has ${query.length} dimensions, index has ${this.dimension}`);
    const top = new TopK(Math.min(k, this.size));
    const d = this.dimension;
    const v = this.vectors;
    const tail = d - (d % 4);
    let threshold = -Infinity;
    for (let row = 0, base = 0; row < this.size; row++, base += d) {
      // Four accumulators: V8 does not vectorise, but it overlaps independent multiply-adds.
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < tail; j += 4) {
        s0 += v[base + j]! * query[j]!;
        s1 += v[base + j + 1]! * query[j + 1]!;
        s2 += v[base + j + 2]! * query[j + 2]!;
        s3 += v[base + j + 3]! * query[j + 3]!;
      }
      for (let j = tail; j < d; j++) s0 += v[base + j]! * query[j]!;
      const score = s0 + s1 + s2 + s3;
      if (score >= threshold) {
        top.push(row, score);
        threshold = top.threshold;
      }
    }
    const { indices, scores } = top.result();
    return Array.from(indices, (row, i) => ({ itemId: this.itemIds[row]!, score: scores[i]!, row }));
  }
}
