import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { Adam } from './adam.ts';
import { rocAuc } from './metrics.ts';
import { cloneMlp, initialMlp, logisticLoss, mlpForward, type MlpWeights } from './mlp.ts';
import { JsMlpGradient } from './mlp-gradient.ts';
import { OrtMlpGradient } from './mlp-training-graph.ts';
import { mlpToOnnx } from './onnx-export.ts';
import { Random } from './random.ts';

/**
 * Trains a ranking MLP (F -> hidden ReLU layers -> 1 logit) with Adam and logistic loss on a
 * feature matrix the caller built. Inputs are standardised while training (features differ in
 * scale by 30x) and the standardisation is folded into the first layer after, so the returned
 * weights act on raw rows.
 *
 * Two engines compute each mini-batch's loss and gradient: 'ort' (default; the backprop graph
 * of mlp-training-graph.ts in onnxruntime, about 10x to 50x faster than JavaScript depending on
 * width) and 'js' (JsMlpGradient; synchronous, used by `trainMlpSync`). The Adam update is the
 * same JavaScript for both, so for a seed they agree up to float rounding.
 */

/** A row-major float32 feature matrix [rows x inputSize] and one label (0..1) per row. */
export interface MlpTrainingData {
  readonly features: Float32Array;
  readonly labels: Uint8Array | Float32Array;
  readonly rows: number;
  readonly inputSize: number;
}

export interface TrainMlpOptions {
  /** Hidden ReLU layer widths: RANKER_LIGHT_LAYERS, RANKER_HEAVY_LAYERS. */
  readonly hiddenLayers: readonly number[];
  readonly seed: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Learning rate multiplier after each epoch. */
  readonly learningRateDecay?: number;
  /** Called with the fraction done (0..1), about every 64 batches. */
  readonly onProgress?: (fraction: number) => void;
  /** 'ort' (default) or 'js'. Ignored by trainMlpSync (always 'js'). */
  readonly engine?: 'ort' | 'js';
  /** onnxruntime threads for the 'ort' engine; default: the machine's cores. */
  readonly intraOpThreads?: number;
}

export interface TrainMlpResult {
  /** Weights on raw rows (the input standardisation is folded into the first layer). */
  readonly weights: MlpWeights;
  /** Mean logistic loss over the last epoch (measured while training, before each step). */
  readonly trainLoss: number;
  /** Mean logistic loss and ROC AUC on the held-out rows; NaN when there are none. */
  readonly heldOutLoss: number;
  readonly heldOutAuc: number;
  readonly epochs: number;
  readonly engine: 'ort' | 'js';
  readonly elapsedMs: number;
  /** Training rows x epochs per second of the training loop (standardisation and evaluation excluded). */
  readonly examplesPerSecond: number;
}

export const DEFAULT_MLP_EPOCHS = 3;
export const DEFAULT_MLP_BATCH_SIZE = 512;
export const DEFAULT_MLP_LEARNING_RATE = 0.002;
const DEFAULT_LEARNING_RATE_DECAY = 0.6;
/** Rows used to estimate the per-feature mean and spread. */
const STANDARDIZE_SAMPLE = 20_000;
/** Held-out rows scored per onnxruntime call. */
const EVALUATION_BATCH = 4096;

/** Trains with the 'ort' engine unless options.engine is 'js'. Deterministic for a seed (up to float rounding in onnxruntime). */
export async function trainMlp(data: MlpTrainingData, heldOut: MlpTrainingData | null, options: TrainMlpOptions): Promise<TrainMlpResult> {
  const started = performance.now();
  const engine = options.engine ?? 'ort';
  const steps = trainingSteps(data, options);
  let request = steps.next();
  const loopStarted = performance.now();
  if (engine === 'js') {
    request = runJs(steps, request, options);
  } else if (!request.done) {
    const gradient = await OrtMlpGradient.create(request.value.net, options.intraOpThreads ?? availableParallelism());
    try {
      while (!request.done) {
        const { net, X, y, rows, scale } = request.value;
        request = steps.next(await gradient.compute(net, X, y, rows, scale));
      }
    } finally {
      await gradient.release();
    }
  }
  const loopMs = performance.now() - loopStarted;
  const trained = request.value as Trained;
  const weights = foldStandardization(trained);
  const logits = heldOut === null ? null : engine === 'js' ? mlpForward(weights, heldOut.features, heldOut.rows) : await ortLogits(weights, heldOut, options.intraOpThreads);
  return finish(weights, trained, heldOut, logits, engine, started, loopMs, options);
}

/** The same training with the JavaScript engine, synchronously (for callers that cannot await; slow for wide nets). */
export function trainMlpSync(data: MlpTrainingData, heldOut: MlpTrainingData | null, options: TrainMlpOptions): TrainMlpResult {
  const started = performance.now();
  const steps = trainingSteps(data, options);
  const loopStarted = performance.now();
  const trained = runJs(steps, steps.next(), options).value;
  const loopMs = performance.now() - loopStarted;
  const weights = foldStandardization(trained);
  const logits = heldOut === null ? null : mlpForward(weights, heldOut.features, heldOut.rows);
  return finish(weights, trained, heldOut, logits, 'js', started, loopMs, options);
}

type Steps = Generator<StepRequest, Trained, StepResult>;

/** Drives the training loop to its end with the JavaScript engine. */
function runJs(steps: Steps, first: IteratorResult<StepRequest, Trained>, options: TrainMlpOptions): IteratorReturnResult<Trained> {
  let request = first;
  if (request.done) return request;
  const js = new JsMlpGradient(request.value.net, options.batchSize ?? DEFAULT_MLP_BATCH_SIZE);
  while (!request.done) {
    const { net, X, y, rows, scale } = request.value;
    request = steps.next({ loss: js.compute(net, X, y, rows, scale), grads: js.grads });
  }
  return request;
}

/** One mini-batch for the engine: standardised rows X and labels y; `net` is the current (standardised-input) network. */
interface StepRequest {
  readonly net: MlpWeights;
  readonly X: Float32Array;
  readonly y: Float32Array;
  readonly rows: number;
  readonly scale: number;
}

interface StepResult {
  /** Sum of the batch rows' losses. */
  readonly loss: number;
  /** scale * gradient, [dW0, db0, dW1, ...]. */
  readonly grads: readonly Float32Array[];
}

interface Trained {
  readonly net: MlpWeights;
  readonly mean: Float64Array;
  readonly invStd: Float64Array;
  readonly trainLoss: number;
  readonly epochs: number;
  readonly examples: number;
}

/**
 * The training loop as a generator, so the synchronous and asynchronous engines share it: it
 * yields each mini-batch and takes back its loss and gradient. All randomness is drawn here.
 */
function* trainingSteps(data: MlpTrainingData, options: TrainMlpOptions): Steps {
  const F = data.inputSize;
  if (data.features.length < data.rows * F) throw new RangeError(`features has ${data.features.length} values, need ${data.rows} x ${F}`);
  if (data.labels.length < data.rows) throw new RangeError(`labels has ${data.labels.length} values, need ${data.rows}`);
  const epochs = options.epochs ?? DEFAULT_MLP_EPOCHS;
  const batchSize = options.batchSize ?? DEFAULT_MLP_BATCH_SIZE;
  const decay = options.learningRateDecay ?? DEFAULT_LEARNING_RATE_DECAY;
  const onProgress = options.onProgress ?? (() => {});
  const random = new Random(options.seed);
  const { mean, invStd } = featureMoments(data, random.fork(2));
  const net = initialMlp(F, options.hiddenLayers, random.fork(3));
  const adam = new Adam(
    net.layers.flatMap((l) => [l.W, l.b]),
    options.learningRate ?? DEFAULT_MLP_LEARNING_RATE,
  );
  const X = new Float32Array(batchSize * F);
  const y = new Float32Array(batchSize);
  const order = random.fork(4).permutation(data.rows);
  const shuffler = random.fork(5);
  const totalSteps = epochs * Math.ceil(data.rows / batchSize);
  let step = 0;
  let trainLoss = Number.NaN;
  for (let epoch = 0; epoch < epochs; epoch++) {
    if (epoch > 0) shuffler.shuffle(order);
    let lossSum = 0;
    for (let start = 0; start < data.rows; start += batchSize) {
      const rows = Math.min(batchSize, data.rows - start);
      for (let r = 0; r < rows; r++) {
        const row = order[start + r]!;
        const base = row * F;
        for (let f = 0; f < F; f++) X[r * F + f] = (data.features[base + f]! - mean[f]!) * invStd[f]!;
        y[r] = data.labels[row]!;
      }
      const result = yield { net, X, y, rows, scale: 1 / rows };
      lossSum += result.loss;
      adam.step(result.grads);
      if ((++step & 63) === 0) onProgress(step / totalSteps);
    }
    trainLoss = lossSum / data.rows;
    adam.learningRate *= decay;
  }
  onProgress(1);
  return { net, mean, invStd, trainLoss, epochs, examples: epochs * data.rows };
}

/** Per-feature mean and 1/std over a sample of rows (std floored so constant features stay finite). */
function featureMoments(data: MlpTrainingData, random: Random): { mean: Float64Array; invStd: Float64Array } {
  const F = data.inputSize;
  const sum = new Float64Array(F);
  const sumSq = new Float64Array(F);
  const count = Math.min(STANDARDIZE_SAMPLE, data.rows);
  for (let s = 0; s < count; s++) {
    const base = (data.rows <= STANDARDIZE_SAMPLE ? s : random.int(data.rows)) * F;
    for (let f = 0; f < F; f++) {
      const x = data.features[base + f]!;
      sum[f]! += x;
      sumSq[f]! += x * x;
    }
  }
  const mean = new Float64Array(F);
  const invStd = new Float64Array(F).fill(1);
  for (let f = 0; f < F; f++) {
    if (count === 0) break;
    const m = sum[f]! / count;
    mean[f] = m;
    invStd[f] = 1 / Math.max(1e-3, Math.sqrt(Math.max(0, sumSq[f]! / count - m * m)));
  }
  return { mean, invStd };
}

/**
 * Rewrites a net trained on x' = (x - mean) * invStd into one on raw x (first layer only):
 * W'[f, o] = W[f, o] * invStd[f];  b'[o] = b[o] - sum_f mean[f] * W'[f, o].
 */
function foldStandardization({ net, mean, invStd }: Trained): MlpWeights {
  const out = cloneMlp(net);
  const first = out.layers[0]!;
  const O = first.out;
  const bias = Float64Array.from(first.b);
  for (let f = 0; f < first.in; f++) {
    for (let o = 0; o < O; o++) {
      const w = first.W[f * O + o]! * invStd[f]!;
      first.W[f * O + o] = w;
      bias[o]! -= mean[f]! * w;
    }
  }
  first.b.set(bias);
  return out;
}

async function ortLogits(weights: MlpWeights, data: MlpTrainingData, threads: number | undefined): Promise<Float32Array> {
  const bytes = mlpToOnnx(weights, { inputName: 'features', outputName: 'scores', modelName: 'heldout', version: '0' });
  const session = await ort.InferenceSession.create(Buffer.from(bytes), { intraOpNumThreads: threads ?? availableParallelism() });
  try {
    const F = data.inputSize;
    const out = new Float32Array(data.rows);
    for (let start = 0; start < data.rows; start += EVALUATION_BATCH) {
      const rows = Math.min(EVALUATION_BATCH, data.rows - start);
      const result = await session.run({ features: new ort.Tensor('float32', data.features.subarray(start * F, (start + rows) * F), [rows, F]) });
      out.set(result.scores!.data as Float32Array, start);
    }
    return out;
  } finally {
    await session.release();
  }
}

function finish(
  weights: MlpWeights,
  trained: Trained,
  heldOut: MlpTrainingData | null,
  logits: Float32Array | null,
  engine: 'ort' | 'js',
  started: number,
  loopMs: number,
  options: TrainMlpOptions,
): TrainMlpResult {
  let heldOutLoss = Number.NaN;
  let heldOutAuc = Number.NaN;
  if (heldOut !== null && logits !== null && heldOut.rows > 0) {
    let loss = 0;
    for (let r = 0; r < heldOut.rows; r++) loss += logisticLoss(logits[r]!, heldOut.labels[r]!);
    heldOutLoss = loss / heldOut.rows;
    heldOutAuc = rocAuc(logits, heldOut.labels.subarray(0, heldOut.rows));
  }
  options.onProgress?.(1);
  return {
    weights,
    trainLoss: trained.trainLoss,
    heldOutLoss,
    heldOutAuc,
    epochs: trained.epochs,
    engine,
    elapsedMs: performance.now() - started,
    examplesPerSecond: loopMs > 0 ? (trained.examples * 1000) / loopMs : Number.NaN,
  };
}
