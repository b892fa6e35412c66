import { beforeAll, describe, expect, it } from 'vitest';
import { featureCount, writeFeatureRow } from '../../src/pipeline/feature-layout.ts';
import { initialMlp, mlpForward, RANKER_HEAVY_LAYERS, RANKER_LIGHT_LAYERS, type MlpWeights } from '../../src/offline/mlp.ts';
import { JsMlpGradient } from '../../src/offline/mlp-gradient.ts';
import { OrtMlpGradient } from '../../src/offline/mlp-training-graph.ts';
import { rocAuc } from '../../src/offline/metrics.ts';
import { Random } from '../../src/offline/random.ts';
import { generateSyntheticWorld } from '../../src/offline/synthetic-data.ts';
import { trainMlp, trainMlpSync, type MlpTrainingData } from '../../src/offline/train-mlp.ts';

describe('rocAuc', () => {
  it('is 1 for a perfect order, 0 for a reversed one, 0.5 for ties', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([1, 2], [1, 1])).toBeNaN();
  });
});

/** A tiny net with non-zero biases, so every parameter has a gradient worth checking. */
function tinyNet(seed: number, inputSize: number, hidden: readonly number[]): MlpWeights {
  const random = new Random(seed);
  const net = initialMlp(inputSize, hidden, random);
  for (const layer of net.layers) for (let i = 0; i < layer.b.length; i++) layer.b[i] = 0.2 * random.normal();
  return net;
}

function batch(seed: number, rows: number, F: number): { X: Float32Array; y: Float32Array } {
  const random = new Random(seed);
  return { X: Float32Array.from({ length: rows * F }, () => random.normal()), y: Float32Array.from({ length: rows }, () => (random.uniform() < 0.5 ? 1 : 0)) };
}

describe('MLP gradient', () => {
  const F = 6;
  const rows = 9;
  const net = tinyNet(1, F, [5, 4]);
  const { X, y } = batch(2, rows, F);

  it('matches central differences of the loss (JavaScript)', () => {
    const js = new JsMlpGradient(net, rows);
    const scale = 1 / rows;
    js.compute(net, X, y, rows, scale);
    const analytic = js.grads.map((g) => Float64Array.from(g));
    const params = net.layers.flatMap((l) => [l.W, l.b]);
    const eps = 1e-3;
    let checked = 0;
    params.forEach((p, k) => {
      for (let i = 0; i < p.length; i++) {
        const saved = p[i]!;
        p[i] = saved + eps;
        const plus = js.compute(net, X, y, rows, scale);
        p[i] = saved - eps;
        const minus = js.compute(net, X, y, rows, scale);
        const h = (saved + eps) - (saved - eps); // the float32 step actually taken
        p[i] = saved;
        const numeric = ((plus - minus) / h) * scale;
        expect(Math.abs(numeric - analytic[k]![i]!)).toBeLessThan(1e-4 + 1e-2 * Math.abs(numeric));
        checked++;
      }
    });
    expect(checked).toBe(6 * 5 + 5 + 5 * 4 + 4 + 4 + 1);
  });

  it('is the same in the onnxruntime training graph', async () => {
    const js = new JsMlpGradient(net, rows);
    const jsLoss = js.compute(net, X, y, rows, 0.5);
    const ortGradient = await OrtMlpGradient.create(net, 1);
    try {
      const { loss, grads } = await ortGradient.compute(net, X, y, rows, 0.5);
      expect(loss).toBeCloseTo(jsLoss, 4);
      expect(grads.length).toBe(js.grads.length);
      grads.forEach((g, k) => g.forEach((v, i) => expect(Math.abs(v - js.grads[k]![i]!)).toBeLessThan(1e-5 + 1e-4 * Math.abs(v))));
      // A partial batch: the first rows only.
      const part = await ortGradient.compute(net, X, y, 4, 0.25);
      expect(part.loss).toBeCloseTo(js.compute(net, X, y, 4, 0.25), 4);
    } finally {
      await ortGradient.release();
    }
  });
});

/** Label = a nonlinear but learnable function of 10 features at different scales (some 30x others). */
function separable(seed: number, rows: number): MlpTrainingData {
  const F = 10;
  const random = new Random(seed);
  const features = new Float32Array(rows * F);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < F; f++) features[r * F + f] = random.normal() * (f % 3 === 0 ? 30 : 1) + (f === 1 ? 5 : 0);
    const x = (f: number): number => features[r * F + f]!;
    const score = x(0) / 30 + x(2) * x(4) - 0.5 * (x(1) - 5) + Math.abs(x(5));
    labels[r] = score > 0.8 ? 1 : 0;
  }
  return { features, labels, rows, inputSize: F };
}

describe('trainMlp', () => {
  const train = separable(11, 6000);
  const heldOut = separable(12, 1500);

  it.each([
    ['light', RANKER_LIGHT_LAYERS],
    ['heavy', RANKER_HEAVY_LAYERS],
  ] as const)('learns a separable problem (%s)', async (_, layers) => {
    const result = await trainMlp(train, heldOut, { hiddenLayers: layers, seed: 1, epochs: 6, batchSize: 128, learningRate: 0.005, learningRateDecay: 0.8 });
    expect(result.heldOutAuc).toBeGreaterThan(0.9);
    expect(result.trainLoss).toBeLessThan(0.4);
    expect(result.weights.layers.map((l) => l.out)).toEqual([...layers, 1]);
    // The returned weights act on raw rows: the JavaScript forward pass reproduces the AUC.
    expect(rocAuc(mlpForward(result.weights, heldOut.features, heldOut.rows), heldOut.labels)).toBeCloseTo(result.heldOutAuc, 3);
    expect(result.examplesPerSecond).toBeGreaterThan(0);
  });

  it('gives the same net with either engine, and is deterministic for a seed', async () => {
    const small = { ...train, rows: 2000 };
    const options = { hiddenLayers: [16, 8], seed: 5, epochs: 1, batchSize: 128 } as const;
    const js = trainMlpSync(small, heldOut, options);
    expect(trainMlpSync(small, heldOut, options).weights).toEqual(js.weights);
    const a = await trainMlp(small, heldOut, options);
    const b = await trainMlp(small, heldOut, options);
    // onnxruntime and JavaScript round differently; the runs are close, not bit-identical.
    for (const other of [b, js]) {
      a.weights.layers.forEach((layer, l) => layer.W.forEach((w, i) => expect(Math.abs(w - other.weights.layers[l]!.W[i]!)).toBeLessThan(1e-3)));
      expect(other.heldOutAuc).toBeCloseTo(a.heldOutAuc, 3);
    }
    const c = await trainMlp(small, heldOut, { ...options, seed: 6 });
    expect(c.weights.layers[0]!.W).not.toEqual(a.weights.layers[0]!.W);
  });
});
