import type { Transferable, Worker } from 'node:worker_threads';
import { spawnWorker } from './spawn-worker.ts';

/**
 * What a pool's worker posts: `{ ready: true }` once it can take jobs, `{ loadError }` when it
 * cannot start, then one reply per job, carrying the job's `id`.
 */
export type WorkerMessage<Reply> = Reply | { readonly ready: true } | { readonly loadError: string };

export interface WorkerPoolOptions {
  /** The worker's module (see spawnWorker); it gets `data` as `workerData.data`. */
  readonly entry: URL;
  readonly data: unknown;
  readonly threads: number;
  /** The rejection message when a worker cannot start, from the cause it posted. */
  readonly loadErrorMessage?: (cause: string) => string;
  /** Whether the workers may keep the process alive (false: `unref`, for helpers that need no close). */
  readonly keepAlive?: boolean;
}

interface Slot<Reply> {
  readonly worker: Worker;
  pending: { readonly id: number; resolve(reply: Reply): void; reject(error: Error): void } | null;
}

/**
 * Worker threads that each take one job at a time (a job blocks the thread it runs on: a model
 * run, an index search). Extra jobs wait in order. A worker that dies fails its job and is
 * replaced.
 */
export class WorkerPool<Job extends { readonly id: number }, Reply extends { readonly id: number }> {
  private readonly slots: Array<Slot<Reply>> = [];
  private readonly waiting: Array<() => void> = [];
  private nextId = 1;
  private closing = false;
  /** Workers started but not yet ready (at start, or replacing one that died). */
  private starting = 0;

  private constructor(private readonly options: WorkerPoolOptions) {}

  /** Starts the workers and resolves once every one is ready; rejects when one cannot start. */
  static async start<Job extends { readonly id: number }, Reply extends { readonly id: number }>(options: WorkerPoolOptions): Promise<WorkerPool<Job, Reply>> {
    const pool = new WorkerPool<Job, Reply>(options);
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

  /** Jobs waiting for a free worker (not counting those running). */
  get queued(): number {
    return this.waiting.length;
  }

  /** Runs one job (`id` is filled in here) on the first free worker, moving `transfer` to it. */
  async run(job: Omit<Job, 'id'>, transfer: readonly Transferable[] = []): Promise<Reply> {
    let slot = this.slots.find((s) => !s.pending);
    while (!slot) {
      if (this.closing) throw new Error('worker pool is closed');
      // Every worker died and none could be started again: waiting would never end.
      if (this.slots.length === 0 && this.starting === 0) throw new Error('worker pool has no workers');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      slot = this.slots.find((s) => !s.pending);
    }
    const claimed = slot;
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      claimed.pending = { id, resolve, reject };
      claimed.worker.postMessage({ ...job, id }, transfer);
    }).finally(() => this.waiting.shift()?.());
  }

  /** Terminates the workers; jobs still waiting are refused. */
  async close(): Promise<void> {
    this.closing = true;
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private addSlot(): Promise<void> {
    const worker = spawnWorker(this.options.entry, this.options.data);
    if (this.options.keepAlive === false) worker.unref();
    const slot: Slot<Reply> = { worker, pending: null };
    this.starting++;
    let started = false;
    const settled = (): void => {
      if (!started) this.starting--;
      started = true;
    };
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: WorkerMessage<Reply>) => {
        if ('ready' in message) {
          settled();
          ready = true;
          this.slots.push(slot);
          resolve();
          this.waiting.shift()?.();
          return;
        }
        if ('loadError' in message) {
          settled();
          void worker.terminate();
          reject(new Error(this.options.loadErrorMessage?.(message.loadError) ?? message.loadError));
          return;
        }
        const pending = slot.pending;
        if (!pending || pending.id !== message.id) return;
        slot.pending = null;
        pending.resolve(message);
      });
      worker.on('error', (error) => {
        settled();
        reject(error);
      });
      worker.on('exit', () => {
        settled();
        const index = this.slots.indexOf(slot);
        if (index >= 0) this.slots.splice(index, 1);
        slot.pending?.reject(new Error('worker exited'));
        slot.pending = null;
        if (ready && !this.closing) {
          this.addSlot().catch(() => {
            // No replacement: jobs waiting for a worker must not wait for ever.
            for (const wake of this.waiting.splice(0)) wake();
          });
        }
      });
    });
  }
}
