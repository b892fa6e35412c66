import { WorkerPool } from '../../workers/worker-pool.ts';

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
  | { readonly id: number; readonly scores: ArrayBuffer; readonly error?: undefined; /** the run's feature matrix, given back */ readonly features?: ArrayBuffer }
  | { readonly id: number; readonly error: string; readonly scores?: undefined; readonly features?: undefined };

export interface SessionPoolOptions extends Omit<SessionWorkerData, 'intraOpThreads'> {
  /** Worker threads, each with its own session; one run on each at a time. */
  readonly threads: number;
}

/**
 * onnxruntime-node sessions of one model, one per worker thread (`session.run` blocks the
 * thread it runs on). Used by the gateway's in-process ranker and by the inference server.
 * Callers keep at most `threads` runs in flight; extra runs wait in order. A worker that dies
 * fails its run and is replaced.
 */
export class SessionPool {
  /** Feature matrices the workers gave back, for `matrix` to hand out again (newest last). */
  private readonly spare: ArrayBuffer[] = [];

  private constructor(
    readonly options: SessionPoolOptions,
    private readonly workers: WorkerPool<SessionRun, SessionReply>,
  ) {}

  /**
   * Starts the workers and resolves once every one has loaded the model; rejects (with the
   * install hint for CUDA) when the execution provider cannot be created.
   */
  static async start(options: SessionPoolOptions): Promise<SessionPool> {
    const data: SessionWorkerData = { ...options, intraOpThreads: 1 };
    const workers = await WorkerPool.start<SessionRun, SessionReply>({
      entry: WORKER_URL,
      data,
      threads: options.threads,
      loadErrorMessage: (cause) => loadErrorMessage(options, cause),
    });
    return new SessionPool(options, workers);
  }

  get threads(): number {
    return this.options.threads;
  }

  async run(features: Float32Array, rows: number): Promise<Float32Array> {
    // Transfer an exact-size buffer: a view into a larger one would send (and detach) all of it.
    const exact = features.byteOffset === 0 && features.buffer.byteLength === features.byteLength ? features : features.slice();
    const reply = await this.workers.run({ features: exact.buffer as ArrayBuffer, rows }, [exact.buffer as ArrayBuffer]);
    if (reply.features) this.keep(reply.features);
    if (reply.scores) return new Float32Array(reply.scores);
    throw new Error(`model run failed: ${reply.error}`);
  }

  /**
   * A matrix of `length` floats to fill and pass to `run`: one a worker gave back when one of
   * that size is spare, else a new one. A given-back matrix holds the values of an earlier run.
   */
  matrix(length: number): Float32Array {
    const bytes = length * Float32Array.BYTES_PER_ELEMENT;
    for (let i = this.spare.length - 1; i >= 0; i--) {
      if (this.spare[i]!.byteLength === bytes) return new Float32Array(this.spare.splice(i, 1)[0]!);
    }
    return new Float32Array(length);
  }

  private keep(buffer: ArrayBuffer): void {
    this.spare.push(buffer);
    // Enough for every run in flight and a few more; sizes no longer asked for age out.
    if (this.spare.length > 2 * this.options.threads + 2) this.spare.shift();
  }

  /** Terminates the workers; call once no run is in flight. */
  close(): Promise<void> {
    return this.workers.close();
  }
}

function loadErrorMessage(options: SessionPoolOptions, cause: string): string {
  if (options.provider === 'cuda') {
    return `cannot create a CUDA session for ${options.modelPath}: onnxruntime-node's CUDA execution provider is not installed or CUDA 12 is missing; ` +
      `install it with \`${CUDA_INSTALL_HINT}\` (the flag overrides .npmrc's \`skip\`) on a node with an NVIDIA driver and CUDA 12 (cause: ${cause.split('\n')[0]})`;
  }
  return `cannot load ${options.modelPath}: ${cause}`;
}
