/**
 * Exact top-K selection: a bounded min-heap over parallel typed arrays, O(n log k) with no
 * per-candidate allocation. Used by the exact-scan index and the offline pipeline.
 */

/** Collects the k best (index, score) pairs; ties go to the lower index, so results are deterministic. */
export class TopK {
  private readonly indices: Uint32Array;
  private readonly scores: Float64Array;
  private size = 0;

  constructor(readonly k: number) {
    this.indices = new Uint32Array(k);
    this.scores = new Float64Array(k);
  }

  /** The score a candidate must beat to enter (-Infinity until full). */
  get threshold(): number {
    return this.size < this.k ? Number.NEGATIVE_INFINITY : this.scores[0]!;
  }

  push(index: number, score: number): void {
    if (this.k === 0) return;
    if (this.size < this.k) {
      let i = this.size++;
      // Sift up.
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(index, score, this.indices[parent]!, this.scores[parent]!)) break;
        this.indices[i] = this.indices[parent]!;
        this.scores[i] = this.scores[parent]!;
        i = parent;
      }
      this.indices[i] = index;
      this.scores[i] = score;
      return;
    }
    if (!this.worse(this.indices[0]!, this.scores[0]!, index, score)) return;
    // Replace the root (the worst kept) and sift down.
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      let child = left;
      if (right < this.size && this.worse(this.indices[right]!, this.scores[right]!, this.indices[left]!, this.scores[left]!)) child = right;
      if (!this.worse(this.indices[child]!, this.scores[child]!, index, score)) break;
      this.indices[i] = this.indices[child]!;
      this.scores[i] = this.scores[child]!;
      i = child;
    }
    this.indices[i] = index;
    this.scores[i] = score;
  }

  /** The kept pairs, best first. Leaves the collector unchanged. */
  result(): { indices: Uint32Array; scores: Float64Array } {
    const order = Array.from({ length: this.size }, (_, i) => i);
    order.sort((a, b) => (this.worse(this.indices[a]!, this.scores[a]!, this.indices[b]!, this.scores[b]!) ? 1 : -1));
    return {
      indices: Uint32Array.from(order, (i) => this.indices[i]!),
      scores: Float64Array.from(order, (i) => this.scores[i]!),
    };
  }

  /** Is (ia, sa) ranked below (ib, sb)? */
  private worse(ia: number, sa: number, ib: number, sb: number): boolean {
    return sa < sb || (sa === sb && ia > ib);
  }
}
