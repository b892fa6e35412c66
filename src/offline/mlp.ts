import type { Random } from './random.ts';

/**
 * The ranking MLP's weights and its forward pass in JavaScript: F inputs -> hidden ReLU layers
 * -> 1 logit. The same weights export to ONNX (onnx-export.ts); this forward pass is the
 * reference the export is tested against.
 */

/** One dense layer: y = x W + b, ReLU after every layer but the last. */
export interface MlpLayer {
  /** [in x out] row-major: W[i * out + o]. */
  readonly W: Float32Array;
  /** [out] */
  readonly b: Float32Array;
  readonly in: number;
  readonly out: number;
}

export interface MlpWeights {
  /** F: the feature row length (featureCount(d)). */
  readonly inputSize: number;
  /** Hidden layers then the output layer (out = 1, no activation: a logit). */
  readonly layers: readonly MlpLayer[];
}

/** ranker-light: one hidden layer of 64 units, about 6.4k multiply-adds a row at F = 98; for in-process scoring. */
export const RANKER_LIGHT_LAYERS: readonly number[] = [64];
/**
 * ranker-heavy: 512 -> 256, about 182k multiply-adds a row at F = 98 (28x light). Two wide
 * layers rather than three narrower ones ([256, 256, 128] is 124k): the 512 x 256 matrix
 * product dominates, which is where INT8 (VNNI) pays off most, and it is still about 2 ms a
 * batch of 500 on one CPU core in FP32.
 */
export const RANKER_HEAVY_LAYERS: readonly number[] = [512, 256];

/** Zero weights for `inputSize -> hidden... -> 1`. */
export function emptyMlp(inputSize: number, hiddenLayers: readonly number[]): MlpWeights {
  const sizes = [inputSize, ...hiddenLayers, 1];
  const layers: MlpLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inSize = sizes[l]!;
    const outSize = sizes[l + 1]!;
    if (!Number.isInteger(outSize) || outSize < 1) throw new RangeError(`layer ${l} has ${outSize} units`);
    layers.push({ W: new Float32Array(inSize * outSize), b: new Float32Array(outSize), in: inSize, out: outSize });
  }
  return { inputSize, layers };
}

/** He-initialised ReLU layers, a small output layer, zero biases. */
export function initialMlp(inputSize: number, hiddenLayers: readonly number[], random: Random): MlpWeights {
  const weights = emptyMlp(inputSize, hiddenLayers);
  weights.layers.forEach((layer, l) => {
    const last = l === weights.layers.length - 1;
    const scale = Math.sqrt((last ? 1 : 2) / layer.in);
    for (let i = 0; i < layer.W.length; i++) layer.W[i] = scale * random.normal();
  });
  return weights;
}

/** A deep copy (training updates its weights in place). */
export function cloneMlp(weights: MlpWeights): MlpWeights {
  return {
    inputSize: weights.inputSize,
    layers: weights.layers.map((l) => ({ W: l.W.slice(), b: l.b.slice(), in: l.in, out: l.out })),
  };
}

/** Hidden layer widths, e.g. [512, 256]. */
export function hiddenLayersOf(weights: MlpWeights): number[] {
  return weights.layers.slice(0, -1).map((l) => l.out);
}

/** Multiply-adds per row, a proxy for cost. */
export function mlpMultiplyAdds(weights: MlpWeights): number {
  return weights.layers.reduce((sum, l) => sum + l.in * l.out, 0);
}

/** Throws unless the layers chain from inputSize to 1 and every array has its size. */
export function checkMlp(weights: MlpWeights): void {
  let inSize = weights.inputSize;
  weights.layers.forEach((layer, l) => {
    if (layer.in !== inSize) throw new RangeError(`layer ${l} takes ${layer.in} inputs, the previous layer gives ${inSize}`);
    if (layer.W.length !== layer.in * layer.out) throw new RangeError(`layer ${l} W has ${layer.W.length} values, expected ${layer.in * layer.out}`);
    if (layer.b.length !== layer.out) throw new RangeError(`layer ${l} b has ${layer.b.length} values, expected ${layer.out}`);
    inSize = layer.out;
  });
  if (weights.layers.length === 0 || inSize !== 1) throw new RangeError('the last layer must have 1 output (the logit)');
}

/**
 * Logits for `rows` feature rows (row-major [rows x F] in `features`), computed in float64
 * and returned as float32. A reference, not a fast path (use ONNX for large nets).
 */
export function mlpForward(weights: MlpWeights, features: Float32Array, rows: number): Float32Array {
  const F = weights.inputSize;
  if (features.length < rows * F) throw new RangeError(`features has ${features.length} values, need ${rows} x ${F}`);
  const widest = Math.max(F, ...weights.layers.map((l) => l.out));
  let input = new Float64Array(widest);
  let output = new Float64Array(widest);
  const out = new Float32Array(rows);
  const last = weights.layers.length - 1;
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < F; f++) input[f] = features[r * F + f]!;
    weights.layers.forEach((layer, l) => {
      const { W, b, in: I, out: O } = layer;
      for (let o = 0; o < O; o++) output[o] = b[o]!;
      for (let i = 0; i < I; i++) {
        const x = input[i]!;
        if (x === 0) continue;
        const w = i * O;
        for (let o = 0; o < O; o++) output[o]! += x * W[w + o]!;
      }
      if (l < last) for (let o = 0; o < O; o++) if (output[o]! < 0) output[o] = 0;
      [input, output] = [output, input];
    });
    out[r] = input[0]!;
  }
  return out;
}

/** The logistic function, for turning a logit into a probability. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** -log(sigmoid(logit)) for label 1, -log(1 - sigmoid(logit)) for 0 (soft labels in between), without overflow. */
export function logisticLoss(logit: number, label: number): number {
  return Math.max(logit, 0) - logit * label + Math.log1p(Math.exp(-Math.abs(logit)));
}
