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
    for (let k = 0; k < this.params.length; k++) update(this.params[k]!, grads[k]!, this.m[k]!, this.v[k]!, stepSize, beta1, beta2, epsilon);
  }
}

/** One parameter array's update: a standalone function, so V8 optimizes one monomorphic loop (measured 2-3x faster than the loop inline in `step`). */
function update(p: Float32Array, g: Float32Array, m: Float64Array, v: Float64Array, stepSize: number, beta1: number, beta2: number, epsilon: number): void {
  const oneMinusBeta1 = 1 - beta1;
  const oneMinusBeta2 = 1 - beta2;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const mi = beta1 * m[i]! + oneMinusBeta1 * gi;
    const vi = beta2 * v[i]! + oneMinusBeta2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! - (stepSize * mi) / (Math.sqrt(vi) + epsilon);
  }
}
