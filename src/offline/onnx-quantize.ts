import type { MlpWeights } from './mlp.ts';

/**
 * Post-training INT8 quantization arithmetic for the ranker export (onnx-export.ts builds the
 * nodes): per-column symmetric int8 weights, input equalisation and activation ranges measured
 * on calibration rows.
 */

/** Calibration rows used at most (a JS forward pass over each). */
export const CALIBRATION_ROWS_MAX = 2048;

/** int8 weights, symmetric (zero point 0), one scale per output column: W ~= q[i, o] * scale[o]. */
export interface QuantizedMatrix {
  readonly q: Int8Array;
  readonly scale: Float32Array;
}

export function quantizePerColumn(W: Float32Array, rows: number, cols: number): QuantizedMatrix {
  const scale = new Float32Array(cols);
  for (let o = 0; o < cols; o++) {
    let max = 0;
    for (let i = 0; i < rows; i++) max = Math.max(max, Math.abs(W[i * cols + o]!));
    scale[o] = max > 0 ? max / 127 : 1;
  }
  const q = new Int8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let o = 0; o < cols; o++) q[i * cols + o] = Math.max(-127, Math.min(127, Math.round(W[i * cols + o]! / scale[o]!)));
  }
  return { q, scale };
}

/**
 * A per-feature affine map x' = x * mul + add that brings every input feature to [-1, 1] on the
 * calibration rows, and the first layer rewritten to act on x' (W'[f, :] = W[f, :] / mul[f],
 * b' = b - sum_f add[f] / mul[f] * W[f, :]). Input features differ in scale by 30x; one
 * activation scale for the whole row would leave the small ones a few levels.
 */
export interface Equalization {
  readonly mul: Float32Array;
  readonly add: Float32Array;
  readonly weights: MlpWeights;
}

export function equalizeInputs(weights: MlpWeights, calibration: Float32Array, rows: number): Equalization {
  const F = weights.inputSize;
  const min = new Float64Array(F).fill(Infinity);
  const max = new Float64Array(F).fill(-Infinity);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < F; f++) {
      const x = calibration[r * F + f]!;
      if (x < min[f]!) min[f] = x;
      if (x > max[f]!) max[f] = x;
    }
  }
  const mul = new Float32Array(F);
  const add = new Float32Array(F);
  for (let f = 0; f < F; f++) {
    const lo = rows > 0 ? min[f]! : -1;
    const hi = rows > 0 ? max[f]! : 1;
    const half = (hi - lo) / 2;
    // Constant features: centre them, keep the scale.
    mul[f] = half > 1e-12 ? 1 / half : 1;
    add[f] = -((hi + lo) / 2) * mul[f]!;
  }
  const [first, ...rest] = weights.layers;
  if (first === undefined) throw new RangeError('no layers');
  const O = first.out;
  const W = new Float32Array(first.W.length);
  const b = Float64Array.from(first.b);
  for (let f = 0; f < F; f++) {
    // x = (x' - add) / mul, so x W = x' (W / mul) - (add / mul) W.
    const inv = 1 / mul[f]!;
    for (let o = 0; o < O; o++) {
      const w = first.W[f * O + o]!;
      W[f * O + o] = w * inv;
      b[o]! -= add[f]! * inv * w;
    }
  }
  return { mul, add, weights: { inputSize: F, layers: [{ ...first, W, b: Float32Array.from(b) }, ...rest] } };
}

/** Per layer, the [min, max] of its input over the calibration rows (layer 0: the rows themselves). */
export function layerInputRanges(weights: MlpWeights, rows: Float32Array, count: number): Array<[number, number]> {
  const F = weights.inputSize;
  const L = weights.layers.length;
  const ranges: Array<[number, number]> = weights.layers.map(() => [Infinity, -Infinity]);
  const widest = Math.max(F, ...weights.layers.map((l) => l.out));
  let input = new Float64Array(widest);
  let output = new Float64Array(widest);
  for (let r = 0; r < count; r++) {
    for (let f = 0; f < F; f++) input[f] = rows[r * F + f]!;
    for (let l = 0; l < L; l++) {
      const { W, b, in: I, out: O } = weights.layers[l]!;
      const range = ranges[l]!;
      for (let i = 0; i < I; i++) {
        const x = input[i]!;
        if (x < range[0]) range[0] = x;
        if (x > range[1]) range[1] = x;
      }
      for (let o = 0; o < O; o++) output[o] = b[o]!;
      for (let i = 0; i < I; i++) {
        const x = input[i]!;
        if (x === 0) continue;
        for (let o = 0; o < O; o++) output[o]! += x * W[i * O + o]!;
      }
      for (let o = 0; o < O; o++) if (output[o]! < 0) output[o] = 0;
      [input, output] = [output, input];
    }
  }
  return ranges.map(([lo, hi]) => (lo <= hi ? [lo, hi] : [0, 1]));
}

/** uint8 asymmetric quantization parameters for values in [lo, hi] (widened to include 0, as ONNX requires). */
export function uint8Params(lo: number, hi: number): { scale: number; zeroPoint: number } {
  const min = Math.min(0, lo);
  const max = Math.max(0, hi);
  const scale = max > min ? (max - min) / 255 : 1;
  const zeroPoint = Math.max(0, Math.min(255, Math.round(-min / scale)));
  return { scale, zeroPoint };
}
