/**
 * Adam (Kingma & Ba) over a list of float32 parameter arrays, updated in place. Float64 moments:
 * the parameters are float32, but small updates accumulate better in doubles.
 */
export class Adam {
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private t = 0;

  constructor(
    private readonly params: readonly Float32Array[],
    /** May be changed between steps (decay schedules). */
    public learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = params.map((p) => new Float64Array(p.length));
    this.v = params.map((p) => new Float64Array(p.length));
  }

  /** One update from `grads` (same order and lengths as the parameters). */
  step(grads: readonly Float32Array[]): void {
    this.t++;
    const { beta1, beta2, epsilon } = this;
    // Bias correction folded into the step size.
    const stepSize = (this.learningRate * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
    const ps = this.params;
    const gs = grads;
    for (let k = 0; k < ps.length; k++) {
      const p = ps[k]!;
      const g = gs[k]!;
      const m = this.m[k]!;
      const v = this.v[k]!;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]!;
        const mi = (m[i] = beta1 * m[i]! + (1 - beta1) * gi);
        const vi = (v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi);
        p[i]! -= (stepSize * mi) / (Math.sqrt(vi) + epsilon);
      }
    }
  }
}
