import type { Worker } from 'node:worker_threads';
import { RankerError, type Ranker } from '../../ports/ranker.ts';
import type { Deadline } from '../../pipeline/deadline.ts';
import { spawnWorker } from '../../workers/spawn-worker.ts';
import type { OnnxWorkerData, ScoreReply } from './onnx-protocol.ts';

const WORKER_URL = new URL('./onnx-worker.ts', import.meta.url);

export interface OnnxRankerOptions extends Omit<OnnxWorkerData, 'intraOpThreads'> {
  /** name@version reported as Ranking.model */
  readonly modelId: string;
  /** Worker threads, each with its own session; one batch runs on each at a time. */
  readonly threads: number;
  /** Batches waiting for a worker beyond this are refused with OVERLOADED. */
  readonly queueLimit: number;
}

interface Job {
  readonly features: Float32Array;
  readonly rows: number;
  readonly deadline: Deadline;
  resolve(scores: Float32Array): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  jobId: number;
}

/**
 * The in-process ranker: onnxruntime-node sessions in worker threads, a bounded queue in
 * front. A batch whose deadline passed while queued is dropped, not computed. A worker that
 * dies fails its batch (BACKEND_UNAVAILABLE) and is replaced.
 */
export class OnnxRanker implements Ranker {
  readonly featureCount: number;
  readonly modelId: string;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextJobId = 1;
  private closed = false;

  private constructor(private readonly options: OnnxRankerOptions) {
    this.featureCount = options.featureCount;
    this.modelId = options.modelId;
  }

  /** Starts the workers and resolves once every one has loaded the model. */
  static async start(options: OnnxRankerOptions): Promise<OnnxRanker> {
    const ranker = new OnnxRanker(options);
    await Promise.all(Array.from({ length: options.threads }, () => ranker.addSlot()));
    return ranker;
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

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new RankerError('BACKEND_UNAVAILABLE', 'ranker is closing'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job) continue;
      let job = this.queue.shift();
      while (job && job.deadline.expired()) {
        job.reject(new RankerError('DEADLINE_EXCEEDED', 'deadline passed while queued'));
        job = this.queue.shift();
      }
      if (!job) return;
      slot.job = job;
      slot.jobId = this.nextJobId++;
      // Transfer an exact-size buffer: a view into a larger one would send (and detach) all of it.
      const exact = job.features.byteOffset === 0 && job.features.buffer.byteLength === job.features.byteLength
        ? job.features
        : job.features.slice();
      slot.worker.postMessage({ id: slot.jobId, features: exact.buffer, rows: job.rows }, [exact.buffer as ArrayBuffer]);
    }
  }

  private addSlot(): Promise<void> {
    const data: OnnxWorkerData = {
      modelPath: this.options.modelPath,
      inputName: this.options.inputName,
      outputName: this.options.outputName,
      featureCount: this.options.featureCount,
      intraOpThreads: 1,
    };
    const worker = spawnWorker(WORKER_URL, data);
    const slot: Slot = { worker, job: null, jobId: 0 };
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: ScoreReply | { ready: true }) => {
        if ('ready' in message) {
          ready = true;
          this.slots.push(slot);
          resolve();
          this.dispatch();
          return;
        }
        const job = slot.job;
        if (!job || message.id !== slot.jobId) return;
        slot.job = null;
        if (message.scores) job.resolve(new Float32Array(message.scores));
        else job.reject(new RankerError('BACKEND_UNAVAILABLE', `model run failed: ${message.error}`));
        this.dispatch();
      });
      worker.on('error', (error) => {
        if (!ready) reject(error);
      });
      worker.on('exit', () => {
        const index = this.slots.indexOf(slot);
        if (index >= 0) this.slots.splice(index, 1);
        slot.job?.reject(new RankerError('BACKEND_UNAVAILABLE', 'ranker worker exited'));
        slot.job = null;
        if (ready && !this.closed) this.addSlot().catch(() => undefined);
      });
    });
  }
}
