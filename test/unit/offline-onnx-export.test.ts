import { scoreAgreement } from '../../src/offline/metrics.ts';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { emptyMlp, initialMlp, mlpForward, sigmoid, type MlpWeights } from '../../src/offline/mlp.ts';
import { mlpToOnnx } from '../../src/offline/onnx-export.ts';
import { onnx } from '../../src/offline/onnx-graph.ts';
import { Random } from '../../src/offline/random.ts';
import { measureRankerLatency } from '../../src/offline/ranker-latency.ts';

const F = 50;

function randomWeights(seed: number, hidden: readonly number[]): MlpWeights {
  const random = new Random(seed);
  const w = emptyMlp(F, hidden);
  for (const layer of w.layers) for (const part of [layer.W, layer.b]) for (let i = 0; i < part.length; i++) part[i] = 0.3 * random.normal();
  return w;
}

function randomRows(seed: number, rows: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: rows * F }, () => random.range(-1, 1));
}

async function runOnnx(bytes: Uint8Array, rows: Float32Array, n: number): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(Buffer.from(bytes));
  try {
    const out = await session.run({ features: new ort.Tensor('float32', rows, [n, F]) });
    return out.scores!;
  } finally {
    await session.release();
  }
}

const OPTIONS = { inputName: 'features', outputName: 'scores', featureCount: F, modelName: 'ranker-light', version: '3' } as const;

describe('mlpToOnnx (fp32)', () => {
  const weights = randomWeights(1, [64]);
  const bytes = mlpToOnnx(weights, OPTIONS);

  it.each([
    [[64], 1],
    [[64], 37],
    [[32, 16], 1],
    [[32, 16], 37],
  ] as const)('%j hidden: scores a batch of %i like the JavaScript forward pass', async (hidden, n) => {
    const w = randomWeights(hidden.length, hidden);
    const rows = randomRows(100 + n, n);
    const scores = await runOnnx(mlpToOnnx(w, OPTIONS), rows, n);
    expect(scores.dims).toEqual([n, 1]);
    const expected = mlpForward(w, rows, n);
    const got = scores.data as Float32Array;
    // The logits are not all alike: a broken export that returned a constant would fail here too.
    if (n > 1) expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.1);
    for (let r = 0; r < n; r++) expect(Math.abs(got[r]! - expected[r]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(expected[r]!)));
  });

  it('appends a sigmoid when asked for probabilities', async () => {
    const rows = randomRows(7, 5);
    const scores = await runOnnx(mlpToOnnx(weights, { ...OPTIONS, output: 'probability' }), rows, 5);
    const expected = mlpForward(weights, rows, 5);
    for (let r = 0; r < 5; r++) expect((scores.data as Float32Array)[r]).toBeCloseTo(sigmoid(expected[r]!), 5);
  });

  it('writes IR 8, opset 13, a symbolic batch dimension and the version', () => {
    const model = onnx.ModelProto.decode(bytes);
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 13]]);
    const input = model.graph!.input![0]!;
    expect(input.name).toBe('features');
    const dims = input.type!.tensorType!.shape!.dim!;
    expect(dims[0]!.dimParam).toBe('batch');
    expect(Number(dims[1]!.dimValue)).toBe(F);
    expect(model.graph!.node!.map((n) => n.opType)).toEqual(['Gemm', 'Relu', 'Gemm']);
    const deep = onnx.ModelProto.decode(mlpToOnnx(randomWeights(2, [32, 16]), OPTIONS));
    expect(deep.graph!.node!.map((n) => n.opType)).toEqual(['Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm']);
    expect(Number(model.modelVersion)).toBe(3);
    expect(Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]))).toMatchObject({ version: '3', output: 'logit', precision: 'fp32' });
  });

  it('is deterministic and refuses a feature count that does not match the weights', () => {
    expect(mlpToOnnx(weights, OPTIONS)).toEqual(bytes);
    expect(() => mlpToOnnx(weights, { ...OPTIONS, featureCount: F + 1 })).toThrow(RangeError);
    expect(() => mlpToOnnx(weights, { ...OPTIONS, precision: 'int8', int8Method: 'qdq' })).toThrow(RangeError);
  });
});

/** Rows like the ranker's: most features small, a few 30x larger and offset (popularity-like). */
function rankerLikeRows(seed: number, rows: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: rows * F }, (_, k) => (k % F >= F - 3 ? 3 + 30 * Math.abs(random.normal()) : random.normal()));
}

describe('mlpToOnnx (int8)', () => {
  // He-initialised nets (like trained ones: hidden activations neither vanish nor explode).
  const nets = { light: initialMlp(F, [64], new Random(3)), heavy: initialMlp(F, [256, 128], new Random(4)) };
  const calibration = rankerLikeRows(20, 2000);
  const rows = rankerLikeRows(21, 2000);

  it.each(['light', 'heavy'] as const)('%s: dynamic int8 loads and agrees with fp32', async (name) => {
    const net = nets[name];
    const fp32 = (await runOnnx(mlpToOnnx(net, OPTIONS), rows, 2000)).data as Float32Array;
    const bytes = mlpToOnnx(net, { ...OPTIONS, precision: 'int8', calibration });
    const model = onnx.ModelProto.decode(bytes);
    const ops = model.graph!.node!.map((n) => n.opType);
    expect(ops.filter((op) => op === 'MatMulInteger').length).toBe(net.layers.length - 1);
    expect(ops).toContain('DynamicQuantizeLinear');
    expect(Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]))).toMatchObject({ precision: 'int8', quantization: 'dynamic' });
    const int8 = await runOnnx(bytes, rows, 2000);
    expect(int8.dims).toEqual([2000, 1]);
    // Tolerances: measured r 0.9998-0.9999, relative MAD about 1.2%, top-10 overlap 0.98-0.99 on trained nets.
    const { pearson: r, relativeMad, top10Overlap: top10 } = scoreAgreement(fp32, int8.data as Float32Array);
    expect(r).toBeGreaterThan(0.995);
    expect(relativeMad).toBeLessThan(0.05);
    expect(top10).toBeGreaterThanOrEqual(0.8);
  });

  it('static QDQ int8 loads and agrees with fp32', async () => {
    const net = nets.heavy;
    const fp32 = (await runOnnx(mlpToOnnx(net, OPTIONS), rows, 2000)).data as Float32Array;
    const bytes = mlpToOnnx(net, { ...OPTIONS, precision: 'int8', int8Method: 'qdq', calibration });
    expect(onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType)).toContain('QuantizeLinear');
    const { pearson: r, relativeMad } = scoreAgreement(fp32, (await runOnnx(bytes, rows, 2000)).data as Float32Array);
    expect(r).toBeGreaterThan(0.99);
    expect(relativeMad).toBeLessThan(0.1);
  });
});

describe('measureRankerLatency', () => {
  it('times a model from bytes', async () => {
    const timing = await measureRankerLatency(mlpToOnnx(randomWeights(1, [64]), OPTIONS), F, { batch: 50, runs: 20, warmup: 2 });
    expect(timing.runs).toBe(20);
    expect(timing.medianMs).toBeGreaterThan(0);
    expect(timing.p99Ms).toBeGreaterThanOrEqual(timing.medianMs);
  });
});
