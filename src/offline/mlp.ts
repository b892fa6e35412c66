/**
 * The ranking MLP's weights and its forward pass in JavaScript: F inputs -> H ReLU units ->
 * 1 logit. The same weights export to ONNX (onnx-export.ts); this forward pass is the
 * reference the export is tested against.
 */
export interface MlpWeights {
  /** F: the feature row length (featureCount(d)). */
  readonly inputSize: number;
  /** H: hidden ReLU units. */
  readonly hiddenSize: number;
  /** [F x H] row-major: W1[f * H + h]. */
  readonly W1: Float32Array;
  /** [H] */
  readonly b1: Float32Array;
  /** [H x 1] */
  readonly W2: Float32Array;
  /** [1] */
  readonly b2: Float32Array;
}

/** Zero weights of the given shape. */
export function emptyMlp(inputSize: number, hiddenSize: number): MlpWeights {
  return {
    inputSize,
    hiddenSize,
    W1: new Float32Array(inputSize * hiddenSize),
    b1: new Float32Array(hiddenSize),
    W2: new Float32Array(hiddenSize),
    b2: new Float32Array(1),
  };
}

/**
 * Logits for `rows` feature rows (row-major [rows x F] in `features`), computed in float64
 * and returned as float32. Allocation: one hidden buffer and the output.
 */
export function mlpForward(weights: MlpWeights, features: Float32Array, rows: number): Float32Array {
  const { inputSize: F, hiddenSize: H, W1, b1, W2, b2 } = weights;
  if (features.length < rows * F) throw new RangeError(`features has ${features.length} values, need ${rows} x ${F}`);
  const out = new Float32Array(rows);
  const hidden = new Float64Array(H);
  for (let r = 0; r < rows; r++) {
    const base = r * F;
    for (let h = 0; h < H; h++) hidden[h] = b1[h]!;
    for (let f = 0; f < F; f++) {
      const x = features[base + f]!;
      if (x === 0) continue;
      const w = f * H;
      for (let h = 0; h < H; h++) hidden[h]! += x * W1[w + h]!;
    }
    let logit = b2[0]!;
    for (let h = 0; h < H; h++) {
      const a = hidden[h]!;
      if (a > 0) logit += a * W2[h]!;
    }
    out[r] = logit;
  }
  return out;
}

/** The logistic function, for turning a logit into a probability. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
