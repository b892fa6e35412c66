import { WorkerPool } from '../../workers/worker-pool.ts';
import type { HnswQuantization } from './hnsw-index.ts';

const WORKER_URL = new URL('./search-worker.ts', import.meta.url);

/** workerData of one search worker: the saved index file and the params to view it with. */
export interface SearchWorkerData {
  readonly file: string;
  /** What the main thread's view holds: a worker that finds another file there refuses to start. */
  readonly size: number;
  readonly dimension: number;
  readonly connectivity: number;
  readonly expansionAdd: number;
  readonly expansionSearch: number;
  readonly quantization?: HnswQuantization;
}

export interface SearchJob {
  readonly id: number;
  /** float32 query, transferred */
  readonly query: ArrayBuffer;
  readonly k: number;
}

export type SearchReply =
  | { readonly id: number; readonly rows: ArrayBuffer; readonly distances: ArrayBuffer; readonly error?: undefined }
  | { readonly id: number; readonly error: string; readonly rows?: undefined; readonly distances?: undefined };

/** Rows (index keys) and usearch distances of one search, best first. */
export interface SearchMatches {
  readonly rows: Uint32Array;
  readonly distances: Float32Array;
}

/**
 * Searches beyond this many waiting are refused (the caller then searches on its own thread):
 * under overload a growing queue would only add latency to every request behind it.
 */
export const SEARCH_QUEUE_LIMIT = 32;

/**
 * Worker threads that each view the same saved HNSW file (memory-mapped: the pages are shared)
 * and run full searches off the event loop.
 */
export class SearchThreads {
  private constructor(private readonly workers: WorkerPool<SearchJob, SearchReply>) {}

  static async start(data: SearchWorkerData, threads: number): Promise<SearchThreads> {
    // unref: an index is not closed by everyone who opens one (benchmarks, tests), and its
    // workers hold nothing that needs a clean shutdown.
    const workers = await WorkerPool.start<SearchJob, SearchReply>({ entry: WORKER_URL, data, threads, keepAlive: false, loadErrorMessage: (cause) => `cannot view ${data.file} in a search thread: ${cause}` });
    return new SearchThreads(workers);
  }

  /** Whether a search would wait behind SEARCH_QUEUE_LIMIT others. */
  get saturated(): boolean {
    return this.workers.queued >= SEARCH_QUEUE_LIMIT;
  }

  async search(query: Float32Array, k: number): Promise<SearchMatches> {
    const copy = query.slice(); // the caller keeps its vector; the copy is transferred
    const reply = await this.workers.run({ query: copy.buffer as ArrayBuffer, k }, [copy.buffer as ArrayBuffer]);
    if (reply.error !== undefined) throw new Error(`search failed: ${reply.error}`);
    return { rows: new Uint32Array(reply.rows), distances: new Float32Array(reply.distances) };
  }

  close(): Promise<void> {
    return this.workers.close();
  }
}
