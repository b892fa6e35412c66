import { featureCount } from '../pipeline/feature-layout.ts';
import { Adam } from './adam.ts';
import { rocAuc } from './metrics.ts';
import { emptyMlp, mlpForward, type MlpWeights } from './mlp.ts';
import { Random } from './random.ts';
import { buildExamples, RowBuilder, type Examples, type RankerTrainingData } from './ranker-examples.ts';

/**
 * Trains the light ranking MLP (featureCount(d) -> 64 ReLU -> 1 logit) with Adam and logistic
 * loss, in plain JavaScript. Rows come from `writeFeatureRow`, the function serving uses, so
 * the model sees at training time exactly the row it sees in the refined pass.
 */

export type { RankerTrainingData } from './ranker-examples.ts';

export interface TrainRankerOptions {
  readonly seed: number;
  readonly hiddenSize?: number;
  /** Cap on training + held-out examples (positives and negatives together). */
  readonly maxExamples?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Share of users whose examples are held out for the AUC. */
  readonly heldOutUserShare?: number;
  /** Called with the fraction done (0..1). */
  readonly onProgress?: (fraction: number) => void;
}

export interface TrainRankerResult {
  /** Weights that act on raw `writeFeatureRow` rows (the input standardisation is folded in). */
  readonly weights: MlpWeights;
  /** Mean logistic loss over the last epoch. */
  readonly trainLoss: number;
  readonly heldOutLoss: number;
  /** ROC AUC of the model on held-out users' positives vs their sampled negatives. */
  readonly heldOutAuc: number;
  /** Baselines on the same held-out examples: rank by user . item alone, by popularity alone. */
  readonly heldOutAucDot: number;
  readonly heldOutAucPopularity: number;
  readonly examples: { readonly train: number; readonly heldOut: number; readonly positives: number };
  readonly epochs: number;
  readonly elapsedMs: number;
}

export const DEFAULT_HIDDEN_UNITS = 64;
/**
 * 120k examples x 3 epochs: held-out AUC is flat beyond this on the default world (0.879 at
 * 200k x 3, 0.882 here), and it trains in about 12 s on two cores.
 */
export const DEFAULT_MAX_EXAMPLES = 120_000;
export const DEFAULT_EPOCHS = 3;
const DEFAULT_BATCH_SIZE = 128;
const DEFAULT_LEARNING_RATE = 0.002;
/** Learning rate multiplier after each epoch. */
const LEARNING_RATE_DECAY = 0.6;
/** Rows used to estimate the per-feature mean and spread. */
const STANDARDIZE_SAMPLE = 20_000;

/** Builds the examples, trains, evaluates on held-out users. Deterministic for a seed. */
export function trainRanker(data: RankerTrainingData, options: TrainRankerOptions): TrainRankerResult {
  const started = performance.now();
  const d = data.dimension;
  const F = featureCount(d);
  const H = options.hiddenSize ?? DEFAULT_HIDDEN_UNITS;
  const epochs = options.epochs ?? DEFAULT_EPOCHS;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const onProgress = options.onProgress ?? (() => {});
  const random = new Random(options.seed);

  const examples = buildExamples(data, random.fork(1), options.maxExamples ?? DEFAULT_MAX_EXAMPLES, options.heldOutUserShare ?? 0.1);
  onProgress(0.15);
  const rows = new RowBuilder(data);
  const { mean, invStd } = featureMoments(rows, examples, F, random.fork(2));

  // Train on standardised inputs (features differ in scale by 30x), fold the scaling into W1 after.
  const net = initialNet(F, H, random.fork(3));
  const grad = emptyNet(F, H);
  const adam = new Adam(netParts(net), options.learningRate ?? DEFAULT_LEARNING_RATE);
  const gradParts = netParts(grad);
  const x = new Float64Array(F);
  const hidden = new Float64Array(H);
  const order = examples.train.slice();
  const totalSteps = epochs * order.length;
  let trainLoss = Number.NaN;
  for (let epoch = 0; epoch < epochs; epoch++) {
    random.shuffle(order);
    let lossSum = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      const end = Math.min(order.length, start + batchSize);
      for (const part of gradParts) part.fill(0);
      const scale = 1 / (end - start);
      for (let e = start; e < end; e++) {
        const example = order[e]!;
        const raw = rows.build(examples.user[example]!, examples.item[example]!);
        for (let f = 0; f < F; f++) x[f] = (raw[f]! - mean[f]!) * invStd[f]!;
        lossSum += accumulateExample(x, examples.label[example]!, scale, net, grad, hidden);
      }
      adam.step(gradParts);
      if (((start / batchSize) & 63) === 0) onProgress(0.15 + (0.8 * (epoch * order.length + end)) / totalSteps);
    }
    trainLoss = lossSum / order.length;
    adam.learningRate *= LEARNING_RATE_DECAY;
  }

  const weights = foldStandardization(net, mean, invStd);
  const evaluation = evaluate(weights, rows, examples, F);
  onProgress(1);
  return {
    weights,
    trainLoss,
    ...evaluation,
    examples: { train: examples.train.length, heldOut: examples.heldOut.length, positives: examples.positives },
    epochs,
    elapsedMs: performance.now() - started,
  };
}

/**
 * The network while it trains: W1 transposed to [H x F] so that the forward pass is H dot
 * products over contiguous rows and the backward pass touches only the rows of active units.
 */
interface Net {
  readonly F: number;
  readonly H: number;
  /** [H x F] row-major. */
  readonly W1T: Float32Array;
  readonly b1: Float32Array;
  readonly W2: Float32Array;
  readonly b2: Float32Array;
}

function emptyNet(F: number, H: number): Net {
  return { F, H, W1T: new Float32Array(H * F), b1: new Float32Array(H), W2: new Float32Array(H), b2: new Float32Array(1) };
}

function netParts(net: Net): Float32Array[] {
  return [net.W1T, net.b1, net.W2, net.b2];
}

/** He-initialised hidden layer, small output layer, zero biases. */
function initialNet(F: number, H: number, random: Random): Net {
  const net = emptyNet(F, H);
  const s1 = Math.sqrt(2 / F);
  for (let i = 0; i < net.W1T.length; i++) net.W1T[i] = s1 * random.normal();
  const s2 = Math.sqrt(1 / H);
  for (let h = 0; h < H; h++) net.W2[h] = s2 * random.normal();
  return net;
}

/**
 * Forward and backward pass of one (standardised) row: adds scale * d(loss)/d(params) to
 * `grad` and returns the example's loss. This is the whole cost of training (about 20 us a row
 * for F = 98, H = 64 here), so: locals only, four accumulators, inactive units skipped.
 */
function accumulateExample(x: Float64Array, label: number, scale: number, net: Net, grad: Net, hidden: Float64Array): number {
  const F = net.F;
  const H = net.H;
  const W1T = net.W1T;
  const W2 = net.W2;
  const b1 = net.b1;
  const gW1T = grad.W1T;
  let logit = net.b2[0]!;
  for (let h = 0; h < H; h++) {
    const w = h * F;
    let a0 = b1[h]!;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let f = 0;
    for (; f + 3 < F; f += 4) {
      a0 += x[f]! * W1T[w + f]!;
      a1 += x[f + 1]! * W1T[w + f + 1]!;
      a2 += x[f + 2]! * W1T[w + f + 2]!;
      a3 += x[f + 3]! * W1T[w + f + 3]!;
    }
    for (; f < F; f++) a0 += x[f]! * W1T[w + f]!;
    const a = a0 + a1 + a2 + a3;
    hidden[h] = a;
    if (a > 0) logit += a * W2[h]!;
  }
  // d(loss)/d(logit) = sigmoid(logit) - label.
  const g = (1 / (1 + Math.exp(-logit)) - label) * scale;
  grad.b2[0] = grad.b2[0]! + g;
  for (let h = 0; h < H; h++) {
    const a = hidden[h]!;
    if (a <= 0) continue;
    grad.W2[h] = grad.W2[h]! + g * a;
    const dh = g * W2[h]!;
    grad.b1[h] = grad.b1[h]! + dh;
    const w = h * F;
    let f = 0;
    for (; f + 3 < F; f += 4) {
      gW1T[w + f] = gW1T[w + f]! + dh * x[f]!;
      gW1T[w + f + 1] = gW1T[w + f + 1]! + dh * x[f + 1]!;
      gW1T[w + f + 2] = gW1T[w + f + 2]! + dh * x[f + 2]!;
      gW1T[w + f + 3] = gW1T[w + f + 3]! + dh * x[f + 3]!;
    }
    for (; f < F; f++) gW1T[w + f] = gW1T[w + f]! + dh * x[f]!;
  }
  return logisticLoss(logit, label);
}

/** Per-feature mean and 1/std over a sample of training rows (std floored so constant features stay finite). */
function featureMoments(rows: RowBuilder, examples: Examples, F: number, random: Random): { mean: Float64Array; invStd: Float64Array } {
  const sum = new Float64Array(F);
  const sumSq = new Float64Array(F);
  const train = examples.train;
  const count = Math.min(STANDARDIZE_SAMPLE, train.length);
  for (let s = 0; s < count; s++) {
    const e = train.length <= STANDARDIZE_SAMPLE ? train[s]! : train[random.int(train.length)]!;
    const row = rows.build(examples.user[e]!, examples.item[e]!);
    for (let f = 0; f < F; f++) {
      sum[f]! += row[f]!;
      sumSq[f]! += row[f]! * row[f]!;
    }
  }
  const mean = new Float64Array(F);
  const invStd = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    const m = count > 0 ? sum[f]! / count : 0;
    const variance = count > 0 ? Math.max(0, sumSq[f]! / count - m * m) : 1;
    mean[f] = m;
    invStd[f] = 1 / Math.max(1e-3, Math.sqrt(variance));
  }
  return { mean, invStd };
}

/**
 * Rewrites weights trained on standardised inputs x' = (x - mean) * invStd into [F x H] weights on raw x:
 * W1'[f,h] = W1[f,h] * invStd[f];  b1'[h] = b1[h] - sum_f mean[f] * invStd[f] * W1[f,h].
 */
function foldStandardization(net: Net, mean: Float64Array, invStd: Float64Array): MlpWeights {
  const { F, H } = net;
  const out = emptyMlp(F, H);
  const b1 = Float64Array.from(net.b1);
  for (let f = 0; f < F; f++) {
    for (let h = 0; h < H; h++) {
      const w = net.W1T[h * F + f]! * invStd[f]!;
      out.W1[f * H + h] = w;
      b1[h]! -= mean[f]! * w;
    }
  }
  out.b1.set(b1);
  out.W2.set(net.W2);
  out.b2.set(net.b2);
  return out;
}

function evaluate(weights: MlpWeights, rows: RowBuilder, examples: Examples, F: number): Pick<TrainRankerResult, 'heldOutLoss' | 'heldOutAuc' | 'heldOutAucDot' | 'heldOutAucPopularity'> {
  const features = rows.buildMany(examples, examples.heldOut);
  const logits = mlpForward(weights, features, examples.heldOut.length);
  const labels = Uint8Array.from(examples.heldOut, (e) => examples.label[e]!);
  const dots = Float32Array.from(examples.heldOut, (_, r) => features[r * F + F - 1]!);
  const popularity = Float32Array.from(examples.heldOut, (_, r) => features[r * F + F - 2]!);
  let loss = 0;
  for (let r = 0; r < logits.length; r++) loss += logisticLoss(logits[r]!, labels[r]!);
  return {
    heldOutLoss: logits.length > 0 ? loss / logits.length : Number.NaN,
    heldOutAuc: rocAuc(logits, labels),
    heldOutAucDot: rocAuc(dots, labels),
    heldOutAucPopularity: rocAuc(popularity, labels),
  };
}

/** -log(sigmoid(logit)) for label 1, -log(1 - sigmoid(logit)) for 0, without overflow. */
function logisticLoss(logit: number, label: number): number {
  return Math.max(logit, 0) - logit * label + Math.log1p(Math.exp(-Math.abs(logit)));
}
