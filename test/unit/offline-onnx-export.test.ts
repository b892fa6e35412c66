import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { featureCount } from '../../src/pipeline/feature-layout.ts';
import { emptyMlp, mlpForward, sigmoid, type MlpWeights } from '../../src/offline/mlp.ts';
import { mlpToOnnx } from '../../src/offline/onnx-export.ts';
import { onnx } from '../../src/offline/onnx-graph.ts';
import { Random } from '../../src/offline/random.ts';

const F = featureCount(16);
const H = 64;

function randomWeights(seed: number): MlpWeights {
  const random = new Random(seed);
  const w = emptyMlp(F, H);
  for (const part of [w.W1, w.b1, w.W2, w.b2]) for (let i = 0; i < part.length; i++) part[i] = 0.3 * random.normal();
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

describe('mlpToOnnx', () => {
  const weights = randomWeights(1);
  const bytes = mlpToOnnx(weights, OPTIONS);

  it.each([1, 37])('scores a batch of %i like the JavaScript forward pass', async (n) => {
    const rows = randomRows(100 + n, n);
    const scores = await runOnnx(bytes, rows, n);
    expect(scores.dims).toEqual([n, 1]);
    const expected = mlpForward(weights, rows, n);
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
    expect(Number(model.modelVersion)).toBe(3);
    expect(Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]))).toMatchObject({ version: '3', output: 'logit' });
  });

  it('is deterministic and refuses a feature count that does not match the weights', () => {
    expect(mlpToOnnx(weights, OPTIONS)).toEqual(bytes);
    expect(() => mlpToOnnx(weights, { ...OPTIONS, featureCount: F + 1 })).toThrow(RangeError);
  });
});
