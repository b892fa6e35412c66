import { RankerError, type Ranker } from '../../ports/ranker.ts';
import type { Deadline } from '../../pipeline/deadline.ts';
import { SessionPool, type ExecutionProvider } from './session-pool.ts';

export interface OnnxRankerOptions {
  readonly modelPath: string;
  /** name@version reported as Ranking.model */
  readonly modelId: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly featureCount: number;
  /** Worker threads, each with its own session; one batch runs on each at a time. */
  readonly threads: number;
  /** Batches waiting for a worker beyond this are refused with OVERLOADED. */
  readonly queueLimit: number;
  readonly provider?: ExecutionProvider;
  /** Nice value of the worker threads (0 = as the process). */
  readonly niceness?: number;
}

interface Job {
  readonly features: Float32Array;
  readonly rows: number;
  readonly deadline: Deadline;
  resolve(scores: Float32Array): void;
  reject(error: Error): void;
}

/**
 * The in-process ranker: a SessionPool (onnxruntime-node in worker threads) behind a bounded
 * queue. A batch whose deadline passed while queued is dropped, not computed.
 */
export class OnnxRanker implements Ranker {
  readonly featureCount: number;
  readonly modelId: string;
  private readonly queue: Job[] = [];
  private inFlight = 0;
  private closed = false;

  private constructor(private readonly pool: SessionPool, private readonly options: OnnxRankerOptions) {
    this.featureCount = options.featureCount;
    this.modelId = options.modelId;
  }

  /** Starts the workers and resolves once every one has loaded the model. */
  static async start(options: OnnxRankerOptions): Promise<OnnxRanker> {
    const pool = await SessionPool.start({
      modelPath: options.modelPath,
      inputName: options.inputName,
      outputName: options.outputName,
      featureCount: options.featureCount,
      provider: options.provider ?? 'cpu',
      threads: options.threads,
      ...(options.niceness ? { niceness: options.niceness } : {}),
    });
    return new OnnxRanker(pool, options);
  }

  score(features: Float32Array, rows: number, deadline: Deadline): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new RankerError('BACKEND_UNAVAILABLE', 'ranker is closed'));
    if (features.length !== rows * this.featureCount) {
      return Promise.reject(new Error(`features hold ${features.length} values, expected ${rows} x ${this.featureCount}`));
    }
    if (this.queue.length >= this.options.queueLimit) {
      return Promise.reject(new RankerError('OVERLOADED', `ranker queue is full (${this.options.queueLimit} batches)`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ features, rows, deadline, resolve, reject });
      this.dispatch();
    });
  }

  featureMatrix(length: number): Float32Array {
    return this.pool.matrix(length);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new RankerError('BACKEND_UNAVAILABLE', 'ranker is closing'));
    await this.pool.close();
  }

  /** Starts queued batches while a worker is free; expired ones are refused on the way. */
  private dispatch(): void {
    while (this.inFlight < this.pool.threads && this.queue.length > 0) {
      const job = this.queue.shift()!;
      if (job.deadline.expired()) {
        job.reject(new RankerError('DEADLINE_EXCEEDED', 'deadline passed while queued'));
        continue;
      }
      this.inFlight++;
      this.pool
        .run(job.features, job.rows)
        .then(job.resolve, (error: Error) => job.reject(new RankerError('BACKEND_UNAVAILABLE', error.message)))
        .finally(() => {
          this.inFlight--;
          this.dispatch();
        });
    }
  }
}
