import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../workers/spawn-worker.ts';

const WORKER_URL = new URL('./session-worker.ts', import.meta.url);

/** The execution providers a session can be created with. */
export type ExecutionProvider = 'cpu' | 'cuda';

export const CUDA_INSTALL_HINT = 'npm install --onnxruntime-node-install=cuda12';

/** workerData of one session worker. */
export interface SessionWorkerData {
  readonly modelPath: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly featureCount: number;
  readonly provider: ExecutionProvider;
  readonly intraOpThreads: number;
  /** Nice value the worker thread sets for itself (0 = as the process); see Config.rankerNice. */
  readonly niceness?: number;
}

export interface SessionRun {
  readonly id: number;
  /** row-major float32, transferred */
  readonly features: ArrayBuffer;
  readonly rows: number;
}

export type SessionReply =
  | { readonly id: number; readonly scores: ArrayBuffer; readonly error?: undefined }
  | { readonly id: number; readonly error: string; readonly scores?: undefined };

export interface SessionPoolOptions extends Omit<SessionWorkerData, 'intraOpThreads'> {
  /** Worker threads, each with its own session; one run on each at a time. */
  readonly threads: number;
}

interface Slot {
  readonly worker: Worker;
  pending: { id: number; resolve(scores: Float32Array): void; reject(error: Error): void } | null;
}

/**
 * onnxruntime-node sessions of one model, one per worker thread (`session.run` blocks the
 * thread it runs on). Used by the gateway's in-process ranker and by the inference server.
 * Callers keep at most `threads` runs in flight; extra runs wait in order. A worker that dies
 * fails its run and is replaced.
 */
export class SessionPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<() => void> = [];
  private nextId = 1;
  private closing = false;

  private constructor(readonly options: SessionPoolOptions) {}

  /**
   * Starts the workers and resolves once every one has loaded the model; rejects (with the
   * install hint for CUDA) when the execution provider cannot be created.
   */
  static async start(options: SessionPoolOptions): Promise<SessionPool> {
    const pool = new SessionPool(options);
    const started = await Promise.allSettled(Array.from({ length: options.threads }, () => pool.addSlot()));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await pool.close();
      throw failed.reason;
    }
    return pool;
  }

  get threads(): number {
    return this.options.threads;
  }

  async run(features: Float32Array, rows: number): Promise<Float32Array> {
    let slot = this.slots.find((s) => !s.pending);
    while (!slot) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      slot = this.slots.find((s) => !s.pending);
    }
    const claimed = slot;
    const id = this.nextId++;
    // Transfer an exact-size buffer: a view into a larger one would send (and detach) all of it.
    const exact = features.byteOffset === 0 && features.buffer.byteLength === features.byteLength ? features : features.slice();
    return new Promise<Float32Array>((resolve, reject) => {
      claimed.pending = { id, resolve, reject };
      claimed.worker.postMessage({ id, features: exact.buffer as ArrayBuffer, rows } satisfies SessionRun, [exact.buffer as ArrayBuffer]);
    }).finally(() => this.waiting.shift()?.());
  }

  /** Terminates the workers; call once no run is in flight. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private addSlot(): Promise<void> {
    const data: SessionWorkerData = { ...this.options, intraOpThreads: 1 };
    const worker = spawnWorker(WORKER_URL, data);
    const slot: Slot = { worker, pending: null };
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: SessionReply | { ready: true } | { loadError: string }) => {
        if ('ready' in message) {
          ready = true;
          this.slots.push(slot);
          resolve();
          this.waiting.shift()?.();
          return;
        }
        if ('loadError' in message) {
          void worker.terminate();
          reject(new Error(this.loadErrorMessage(message.loadError)));
          return;
        }
        const pending = slot.pending;
        if (!pending || pending.id !== message.id) return;
        slot.pending = null;
        if (message.scores) pending.resolve(new Float32Array(message.scores));
        else pending.reject(new Error(`model run failed: ${message.error}`));
      });
      worker.on('error', reject);
      worker.on('exit', () => {
        const index = this.slots.indexOf(slot);
        if (index >= 0) this.slots.splice(index, 1);
        slot.pending?.reject(new Error('session worker exited'));
        slot.pending = null;
        if (ready && !this.closing) this.addSlot().catch(() => undefined);
      });
    });
  }

  private loadErrorMessage(cause: string): string {
    if (this.options.provider === 'cuda') {
      return `cannot create a CUDA session for ${this.options.modelPath}: onnxruntime-node's CUDA execution provider is not installed or CUDA 12 is missing; ` +
        `install it with \`${CUDA_INSTALL_HINT}\` (the flag overrides .npmrc's \`skip\`) on a node with an NVIDIA driver and CUDA 12 (cause: ${cause.split('\n')[0]})`;
    }
    return `cannot load ${this.options.modelPath}: ${cause}`;
  }
}
