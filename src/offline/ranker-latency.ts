import * as ort from 'onnxruntime-node';
import { Random } from './random.ts';

/**
 * Latency of one ranker model at a fixed batch, in an onnxruntime session on the calling
 * thread (onnxruntime's `run` blocks it: offline evaluation and benchmarks only, never in
 * the gateway). Input rows are random but fixed, N(0, 1): a dense MLP's cost does not depend
 * on the values, only DynamicQuantizeLinear's range does, and not measurably.
 */

export interface RankerLatencyOptions {
  /** Rows per run. */
  readonly batch?: number;
  /** Timed runs. */
  readonly runs?: number;
  /** Untimed runs first (allocations, caches, MLAS packing). */
  readonly warmup?: number;
  /** onnxruntime intra-op threads; 1 is what an in-process worker gets. */
  readonly intraOpThreads?: number;
  readonly inputName?: string;
}

export interface RankerLatency {
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly runs: number;
  readonly batch: number;
}

export const DEFAULT_LATENCY_BATCH = 500;
export const DEFAULT_LATENCY_RUNS = 300;
export const DEFAULT_LATENCY_WARMUP = 50;

/** Times `runs` runs of the model (bytes or a file path) on a [batch x featureCount] input. */
export async function measureRankerLatency(model: Uint8Array | string, featureCount: number, options: RankerLatencyOptions = {}): Promise<RankerLatency> {
  const batch = options.batch ?? DEFAULT_LATENCY_BATCH;
  const runs = Math.max(1, options.runs ?? DEFAULT_LATENCY_RUNS);
  const warmup = options.warmup ?? DEFAULT_LATENCY_WARMUP;
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: options.intraOpThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model, sessionOptions) : await ort.InferenceSession.create(Buffer.from(model), sessionOptions);
  try {
    const random = new Random(batch * 7919 + featureCount);
    const rows = Float32Array.from({ length: batch * featureCount }, () => random.normal());
    const feeds = { [options.inputName ?? session.inputNames[0]!]: new ort.Tensor('float32', rows, [batch, featureCount]) };
    for (let i = 0; i < warmup; i++) await session.run(feeds);
    const times = new Float64Array(runs);
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await session.run(feeds);
      times[i] = performance.now() - start;
    }
    const mean = times.reduce((a, b) => a + b, 0) / runs;
    times.sort();
    return { medianMs: quantile(times, 0.5), p99Ms: quantile(times, 0.99), meanMs: mean, runs, batch };
  } finally {
    await session.release();
  }
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
