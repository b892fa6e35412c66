/**
 * Ranker latency at a fixed batch: ranker-light and ranker-heavy, FP32 and INT8, in an
 * onnxruntime session on this thread (1 intra-op thread, what one in-process worker gets).
 *
 *   node --import tsx bench/ranker-latency.ts [--features 100] [--batch 500] [--runs 300] [--repeats 3]
 *
 * The nets are trained briefly (seeded) on synthetic rows shaped like the ranker's (small
 * embedding features plus a few 30x larger, offset ones), so INT8 calibration and agreement
 * see realistic weights and activations. Each model is timed `repeats` times, interleaved;
 * the table shows the median of the medians and of the p99s. Writes bench/results/ranker-latency.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { RANKER_HEAVY_LAYERS, RANKER_LIGHT_LAYERS, mlpMultiplyAdds } from '../src/offline/mlp.ts';
import { scoreAgreement, type ScoreAgreement } from '../src/offline/metrics.ts';
import { mlpToOnnx } from '../src/offline/onnx-export.ts';
import { Random } from '../src/offline/random.ts';
import { measureRankerLatency } from '../src/offline/ranker-latency.ts';
import { trainMlp, type MlpTrainingData } from '../src/offline/train-mlp.ts';

const { values: args } = parseArgs({
  options: {
    features: { type: 'string', default: '100' },
    batch: { type: 'string', default: '500' },
    runs: { type: 'string', default: '300' },
    repeats: { type: 'string', default: '3' },
    'train-rows': { type: 'string', default: '30000' },
    qdq: { type: 'boolean', default: false },
  },
});
const F = Number(args.features);
const batch = Number(args.batch);
const runs = Number(args.runs);
const repeats = Number(args.repeats);

/** Rows like the ranker's: embedding-sized features, a few large offset ones; labels from a fixed nonlinear teacher. */
function syntheticRows(seed: number, rows: number): MlpTrainingData {
  const random = new Random(seed);
  const teacher = new Random(1);
  const w = Float32Array.from({ length: F }, () => teacher.normal());
  const features = new Float32Array(rows * F);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let score = 0;
    for (let f = 0; f < F; f++) {
      const x = f >= F - 3 ? 3 + 30 * Math.abs(random.normal()) : 0.3 * random.normal();
      features[r * F + f] = x;
      score += (f >= F - 3 ? x / 30 : x) * w[f]! * 0.5;
    }
    score += 2 * features[r * F]! * features[r * F + 1]! - Math.abs(features[r * F + 2]!);
    labels[r] = random.uniform() < 1 / (1 + Math.exp(-score)) ? 1 : 0;
  }
  return { features, labels, rows, inputSize: F };
}

async function scores(bytes: Uint8Array, data: MlpTrainingData): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(Buffer.from(bytes), { intraOpNumThreads: 1 });
  const out = new Float32Array(data.rows);
  for (let start = 0; start < data.rows; start += batch) {
    const n = Math.min(batch, data.rows - start);
    const result = await session.run({ features: new ort.Tensor('float32', data.features.subarray(start * F, (start + n) * F), [n, F]) });
    out.set(result.scores!.data as Float32Array, start);
  }
  await session.release();
  return out;
}

const median = (values: number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

const train = syntheticRows(10, Number(args['train-rows']));
const heldOut = syntheticRows(11, 10 * batch);
const variants: Array<{ model: string; precision: string; bytes: Uint8Array; multiplyAdds: number; agreement?: ScoreAgreement }> = [];
for (const [model, layers] of [['ranker-light', RANKER_LIGHT_LAYERS], ['ranker-heavy', RANKER_HEAVY_LAYERS]] as const) {
  const trained = await trainMlp(train, heldOut, { hiddenLayers: layers, seed: 7, epochs: 2 });
  process.stderr.write(`${model}: trained at ${Math.round(trained.examplesPerSecond)} rows/s, held-out AUC ${trained.heldOutAuc.toFixed(3)}\n`);
  const options = { inputName: 'features', outputName: 'scores', modelName: model, version: '1' };
  const calibration = train.features.subarray(0, 2000 * F);
  const fp32 = mlpToOnnx(trained.weights, options);
  const reference = await scores(fp32, heldOut);
  const multiplyAdds = mlpMultiplyAdds(trained.weights);
  variants.push({ model, precision: 'fp32', bytes: fp32, multiplyAdds });
  for (const method of args.qdq ? (['dynamic', 'qdq'] as const) : (['dynamic'] as const)) {
    const bytes = mlpToOnnx(trained.weights, { ...options, precision: 'int8', int8Method: method, calibration });
    variants.push({ model, precision: method === 'dynamic' ? 'int8' : 'int8-qdq', bytes, multiplyAdds, agreement: scoreAgreement(reference, await scores(bytes, heldOut), batch) });
  }
}

const timings = variants.map(() => ({ median: [] as number[], p99: [] as number[] }));
for (let repeat = 0; repeat < repeats; repeat++) {
  for (const [i, variant] of variants.entries()) {
    const t = await measureRankerLatency(variant.bytes, F, { batch, runs, warmup: 50, intraOpThreads: 1 });
    timings[i]!.median.push(t.medianMs);
    timings[i]!.p99.push(t.p99Ms);
  }
}

const rows = variants.map((v, i) => {
  const medianMs = median(timings[i]!.median);
  const fp32 = variants.findIndex((w) => w.model === v.model && w.precision === 'fp32');
  return {
    model: v.model,
    precision: v.precision,
    fileKB: Math.round(v.bytes.length / 102.4) / 10,
    multiplyAddsPerRow: v.multiplyAdds,
    medianMs,
    p99Ms: median(timings[i]!.p99),
    speedupVsFp32: median(timings[fp32]!.median) / medianMs,
    runsMedianMs: timings[i]!.median,
    ...(v.agreement ? { agreementWithFp32: v.agreement } : {}),
  };
});
console.log(`features ${F}, batch ${batch}, ${runs} runs x ${repeats} repeats, 1 intra-op thread, onnxruntime-node ${ort.env.versions.common}`);
console.log('model         precision  file KB  median ms  p99 ms  speedup  pearson  top-10');
for (const r of rows) {
  const a = r.agreementWithFp32;
  console.log(
    `${r.model.padEnd(13)} ${r.precision.padEnd(9)} ${r.fileKB.toFixed(1).padStart(8)} ${r.medianMs.toFixed(3).padStart(10)} ${r.p99Ms.toFixed(3).padStart(7)} ${r.speedupVsFp32.toFixed(2).padStart(7)}x ${a ? a.pearson.toFixed(5) : '       -'} ${a ? a.top10Overlap.toFixed(3) : '     -'}`,
  );
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/ranker-latency.json',
  `${JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: cpus().length, features: F, batch, runs, repeats, results: rows }, null, 2)}\n`,
);
console.log('wrote bench/results/ranker-latency.json');
