import type { MlpWeights } from './mlp.ts';

/**
 * The mini-batch loss and gradient of an MLP with logistic loss, in plain JavaScript (float64
 * accumulation). The reference for the ONNX training graph (mlp-training-graph.ts) and the
 * gradient check, and the engine of the synchronous trainer. Batch-at-a-time matrix products,
 * skipping zero (ReLU-inactive) activations; allocation happens once, in the constructor.
 */
export class JsMlpGradient {
  /** Pre-activations then (in place) activations per layer: [maxRows x out]. */
  private readonly acts: Float64Array[];
  /** d(loss)/d(pre-activation) per layer. */
  private readonly deltas: Float64Array[];
  private readonly gW: Float64Array[];
  private readonly gb: Float64Array[];
  /** The batch's input rows as float64: every array the loops read then has one element type (V8 keeps them monomorphic). */
  private readonly input: Float64Array;
  /** The gradient, in the weights' shape (float32, as Adam takes it). */
  readonly grads: Float32Array[];

  constructor(
    private readonly shape: MlpWeights,
    private readonly maxRows: number,
  ) {
    this.acts = shape.layers.map((l) => new Float64Array(maxRows * l.out));
    this.deltas = shape.layers.map((l) => new Float64Array(maxRows * l.out));
    this.gW = shape.layers.map((l) => new Float64Array(l.in * l.out));
    this.gb = shape.layers.map((l) => new Float64Array(l.out));
    this.input = new Float64Array(maxRows * shape.inputSize);
    this.grads = shape.layers.flatMap((l) => [new Float32Array(l.in * l.out), new Float32Array(l.out)]);
  }

  /**
   * Fills `grads` ([W0, b0, W1, b1, ...]) with scale * d(sum of losses)/d(params) for the
   * first `rows` rows of X ([rows x F]) and labels y, and returns the sum of the rows' losses.
   * `weights` must have the shape given to the constructor.
   */
  compute(weights: MlpWeights, X: Float32Array, y: ArrayLike<number>, rows: number, scale: number): number {
    if (rows > this.maxRows) throw new RangeError(`batch of ${rows} rows, built for ${this.maxRows}`);
    const layers = weights.layers;
    const L = layers.length;
    const X64 = this.input;
    for (let k = 0; k < rows * weights.inputSize; k++) X64[k] = X[k]!;
    // Forward.
    let prev = X64;
    for (let l = 0; l < L; l++) {
      const { W, b, in: I, out: O } = layers[l]!;
      const act = this.acts[l]!;
      for (let r = 0; r < rows; r++) {
        const zr = r * O;
        for (let o = 0; o < O; o++) act[zr + o] = b[o]!;
        const xr = r * I;
        for (let i = 0; i < I; i++) {
          const x = prev[xr + i]!;
          if (x === 0) continue;
          const w = i * O;
          for (let o = 0; o < O; o++) act[zr + o]! += x * W[w + o]!;
        }
        if (l < L - 1) for (let o = 0; o < O; o++) if (act[zr + o]! < 0) act[zr + o] = 0;
      }
      prev = act;
    }
    // Output delta: d(loss)/d(logit) = sigmoid(logit) - label.
    const logits = this.acts[L - 1]!;
    const top = this.deltas[L - 1]!;
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      const z = logits[r]!;
      const label = y[r]!;
      top[r] = (1 / (1 + Math.exp(-z)) - label) * scale;
      loss += Math.max(z, 0) - z * label + Math.log1p(Math.exp(-Math.abs(z)));
    }
    // Backward.
    for (let l = L - 1; l >= 0; l--) {
      const { W, in: I, out: O } = layers[l]!;
      const delta = this.deltas[l]!;
      const input = l === 0 ? X64 : this.acts[l - 1]!;
      const gW = this.gW[l]!.fill(0);
      const gb = this.gb[l]!.fill(0);
      for (let r = 0; r < rows; r++) {
        const dr = r * O;
        for (let o = 0; o < O; o++) gb[o]! += delta[dr + o]!;
        const xr = r * I;
        for (let i = 0; i < I; i++) {
          const x = input[xr + i]!;
          if (x === 0) continue;
          const w = i * O;
          for (let o = 0; o < O; o++) gW[w + o]! += x * delta[dr + o]!;
        }
      }
      this.grads[2 * l]!.set(gW);
      this.grads[2 * l + 1]!.set(gb);
      if (l === 0) break;
      // Delta of the layer below: (delta W^T) masked by its ReLU (active where its activation > 0).
      const below = this.deltas[l - 1]!;
      for (let r = 0; r < rows; r++) {
        const dr = r * O;
        const xr = r * I;
        for (let i = 0; i < I; i++) {
          if (input[xr + i]! <= 0) {
            below[xr + i] = 0;
            continue;
          }
          const w = i * O;
          let s = 0;
          for (let o = 0; o < O; o++) s += delta[dr + o]! * W[w + o]!;
          below[xr + i] = s;
        }
      }
    }
    return loss;
  }
}
