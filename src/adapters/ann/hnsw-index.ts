import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Index, MetricKind, ScalarKind } from 'usearch';
import type { CandidateIndex, SearchEffort } from '../../ports/candidate-index.ts';
import type { ScoredItemId } from '../../ports/feature-store.ts';
import { SearchThreads, type SearchMatches } from './search-threads.ts';

/**
 * HNSW candidate index over usearch (chosen over hnswlib-node by measurement: prebuilt
 * binary, multi-threaded build from a Float32Array, typed-array queries and results, and
 * `view`, which memory-maps a saved index instead of reading it; see bench/ann-recall.ts).
 *
 * Keys inside usearch are row numbers; `itemIds[row]` maps them back. The metric is inner
 * product (usearch `ip`, distance = 1 - ip), so scores are the same inner products the
 * exact scan returns, whatever the query's length.
 */

/** The HNSW knobs. Defaults come from the measured curve in bench/ann-recall.ts. */
export interface HnswParams {
  /** M: edges per node per layer. More costs memory and build time, buys recall. */
  readonly connectivity: number;
  /** efConstruction: candidate list size while inserting. */
  readonly expansionAdd: number;
  /** ef: candidate list size while searching (usearch uses max(ef, k)). */
  readonly expansionSearch: number;
  /**
   * How the index stores vectors: 'f16' halves the file and speeds the search; absent means
   * 'f32' (indexes saved before this option existed).
   */
  readonly quantization?: HnswQuantization;
}

export type HnswQuantization = 'f32' | 'f16';

/**
 * Chosen from bench/ann-recall.ts (100k x 64, k = 500, the gateway's synthetic item vectors,
 * queries = user vectors): the lowest p99 with recall@500 >= 0.95. M = 24, ef = 500 gave
 * recall 0.998-0.999 at p50 0.8 ms, p99 1.6-1.7 ms in three runs (two on the 2-core dev box, one
 * on a quiet 16-core one); M = 16 had the same recall but a slower p50 (1.0-1.25 ms), M = 32 a
 * bigger file and no gain. usearch searches with max(ef, k), so ef <= 500 is the same at
 * k = 500; ef = 500 keeps small-k queries accurate too. expansion_add = 128 is usearch's own default.
 * Vectors are stored as f16 (`npm run bench:ann -- --data synthetic --connectivity 24 --ef 500
 * --quantization f16|f32`, one after the other on this machine): recall@500 0.9987 against
 * 0.9992, p50 0.62 against 0.78 ms, p99 1.22 against 1.23 ms, file 32.5 against 44.7 MiB; side
 * by side, HomeFeed's CPU per request fell 11%. i8 fell to recall 0.045 (the inner products of
 * unnormalised queries do not survive it).
 */
export const DEFAULT_HNSW_PARAMS: HnswParams = { connectivity: 24, expansionAdd: 128, expansionSearch: 500, quantization: 'f16' };
/**
 * ef of a quick search (the coarse page's `first` items; usearch uses max(ef, k)). At 100k x 64:
 * 0.24 ms against 1.2 ms for k = 500, and 96.7% of the top 20 the same (1000 user queries).
 */
export const QUICK_EXPANSION_SEARCH = 64;

/** Index file and sidecar names inside an artifacts folder. */
export const HNSW_INDEX_FILE = 'ann-index.usearch';
export const HNSW_SIDECAR_FILE = 'ann-index.json';
export const HNSW_SIDECAR_FORMAT = 1;

/** What `save` writes beside the index file; `load` refuses an index that disagrees with it. */
export interface HnswSidecar {
  readonly format: number;
  readonly library: 'usearch';
  readonly libraryVersion: string;
  readonly metric: 'ip';
  readonly dimension: number;
  readonly size: number;
  readonly params: HnswParams;
  /** Item id of each key (row number), in key order. */
  readonly itemIds: readonly string[];
}

export interface HnswBuildOptions {
  /** Native threads for insertion; 0 = one per core. 1 gives the same graph on every run. */
  readonly threads?: number;
  /** Called with the fraction inserted (0..1) after each chunk. */
  readonly onProgress?: (fraction: number) => void;
}

export interface HnswLoadOptions {
  /**
   * true: `view` the file (memory-mapped, pages read on first touch; start is a few ms
   * whatever the size). The file must not be changed in place while mapped; `save` writes a
   * new file and renames it, so rebuilding into the same folder is safe.
   * false: read the whole index into memory.
   */
  readonly mmap: boolean;
  /** Overrides the saved expansion_search (ef) for this process. */
  readonly expansionSearch?: number;
  /** When given, a sidecar with another dimension is refused (catches stale artifacts). */
  readonly dimension?: number;
  /**
   * Worker threads for full searches (each views the same mapped file); 0 or absent: every
   * search runs on the calling thread. Needs `mmap`.
   */
  readonly searchThreads?: number;
}

/** Rows per `add` call while building, so progress can be reported between chunks. */
const BUILD_CHUNK_ROWS = 16_384;

export class HnswIndex implements CandidateIndex {
  readonly size: number;

  private constructor(
    private readonly native: Index,
    private itemIds: readonly string[],
    readonly dimension: number,
    readonly params: HnswParams,
    /** The same graph searched with QUICK_EXPANSION_SEARCH (a second view of the saved file), or null. */
    private readonly quickNative: Index | null = null,
    /** Full searches off the event loop (views of the saved file in worker threads), or null. */
    private readonly threads: SearchThreads | null = null,
  ) {
    this.size = itemIds.length;
  }

  /**
   * Builds the graph over `vectors` (row-major, `itemIds.length` x `dimension`; rows are
   * expected L2-normalised, as item embeddings are). Synchronous and CPU-heavy (about 6-12 s for
   * 100k x 64 on two cores, 1.5 s on sixteen): an offline or start-up step, never on the request path.
   */
  static build(
    vectors: Float32Array,
    itemIds: readonly string[],
    dimension: number,
    params: HnswParams = DEFAULT_HNSW_PARAMS,
    options: HnswBuildOptions = {},
  ): HnswIndex {
    checkParams(params);
    if (!Number.isInteger(dimension) || dimension <= 0) throw new RangeError(`dimension must be a positive integer, got ${dimension}`);
    if (vectors.length !== itemIds.length * dimension) throw new Error('vectors do not match ids x dimension');
    const native = createNative(dimension, params);
    const n = itemIds.length;
    const threads = options.threads ?? 0;
    for (let start = 0; start < n; start += BUILD_CHUNK_ROWS) {
      const end = Math.min(n, start + BUILD_CHUNK_ROWS);
      const keys = new BigUint64Array(end - start);
      for (let row = start; row < end; row++) keys[row - start] = BigInt(row);
      native.add(keys, vectors.subarray(start * dimension, end * dimension), threads);
      options.onProgress?.(end / n);
    }
    return new HnswIndex(native, [...itemIds], dimension, params);
  }

  /**
   * Writes `HNSW_INDEX_FILE` and `HNSW_SIDECAR_FILE` into `dir` (created if missing). Each is
   * written to a temporary name and renamed, the sidecar last, so a reader never sees a half
   * file and a process that has the old index mapped keeps its (unlinked) copy.
   * Returns the index file's path.
   */
  async save(dir: string): Promise<string> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, HNSW_INDEX_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    this.native.save(tmp);
    await rename(tmp, file);
    const sidecar: HnswSidecar = {
      format: HNSW_SIDECAR_FORMAT,
      library: 'usearch',
      libraryVersion: usearchVersion(),
      metric: 'ip',
      dimension: this.dimension,
      size: this.size,
      params: this.params,
      itemIds: this.itemIds,
    };
    const sidecarPath = join(dir, HNSW_SIDECAR_FILE);
    await writeFile(`${sidecarPath}.tmp`, JSON.stringify(sidecar));
    await rename(`${sidecarPath}.tmp`, sidecarPath);
    return file;
  }

  /** Opens an index written by `save`. Throws a descriptive Error if the folder's files disagree. */
  static async load(dir: string, options: HnswLoadOptions): Promise<HnswIndex> {
    const sidecarPath = join(dir, HNSW_SIDECAR_FILE);
    const sidecar = JSON.parse(await readFile(sidecarPath, 'utf8')) as HnswSidecar;
    if (sidecar.format !== HNSW_SIDECAR_FORMAT || sidecar.library !== 'usearch' || sidecar.metric !== 'ip') {
      throw new Error(`${sidecarPath}: format ${sidecar.format} ${sidecar.library}/${sidecar.metric}, expected format ${HNSW_SIDECAR_FORMAT} usearch/ip: rebuild the index`);
    }
    if (options.dimension !== undefined && sidecar.dimension !== options.dimension) {
      throw new Error(`${sidecarPath}: index has dimension ${sidecar.dimension}, expected ${options.dimension}: rebuild the index`);
    }
    if (sidecar.itemIds.length !== sidecar.size) {
      throw new Error(`${sidecarPath}: ${sidecar.itemIds.length} item ids for ${sidecar.size} vectors`);
    }
    const params: HnswParams = { ...sidecar.params, expansionSearch: options.expansionSearch ?? sidecar.params.expansionSearch };
    checkParams(params);
    const native = createNative(sidecar.dimension, params);
    const file = join(dir, HNSW_INDEX_FILE);
    if (options.mmap) native.view(file);
    else native.load(file);
    // Quick searches: a second view of the same mapped pages with a smaller candidate list.
    let quick: Index | null = null;
    if (options.mmap && params.expansionSearch > QUICK_EXPANSION_SEARCH) {
      quick = createNative(sidecar.dimension, { ...params, expansionSearch: QUICK_EXPANSION_SEARCH });
      quick.view(file);
    }
    // usearch adopts the file's own header, so compare it with what the sidecar promised.
    if (native.dimensions() !== sidecar.dimension || native.size() !== sidecar.size) {
      throw new Error(
        `${file}: holds ${native.size()} vectors of dimension ${native.dimensions()}, but ${HNSW_SIDECAR_FILE} says ` +
          `${sidecar.size} of dimension ${sidecar.dimension}: the two files are from different builds, rebuild the index`,
      );
    }
    const threads =
      options.mmap && (options.searchThreads ?? 0) > 0
        ? await SearchThreads.start({ file, size: sidecar.size, dimension: sidecar.dimension, ...params }, options.searchThreads!)
        : null;
    return new HnswIndex(native, sidecar.itemIds, sidecar.dimension, params, quick, threads);
  }

  /**
   * The k (at most `size`) items with the largest inner product, best first. A full search
   * (100k x 64, k = 500, default params: about 0.8 ms p50, 1.7 ms p99) runs in a search thread
   * when the index has them, so the event loop stays free for first payloads; a quick one
   * (a fifth of that) runs here. When the threads are saturated or fail, it runs here too.
   */
  async search(query: Float32Array, k: number, effort: SearchEffort = 'full'): Promise<ScoredItemId[]> {
    if (!this.threads || effort === 'quick' || this.threads.saturated) return this.searchSync(query, k, effort);
    const wanted = this.wantedFor(query, k);
    if (wanted === 0) return [];
    let matches: SearchMatches;
    try {
      matches = await this.threads.search(query, wanted);
    } catch {
      return this.searchSync(query, k, effort); // a worker died mid-search: it is replaced; answer from here
    }
    return this.scored(matches.rows, matches.distances);
  }


  /** Stops the search threads (searches then run on the calling thread). */
  async close(): Promise<void> {
    const threads = this.threads;
    if (threads) await threads.close();
  }

  /**
   * Whether this index maps its keys to exactly these ids, in this order (a saved index may be
   * stale). When it does, it answers with these strings from then on instead of the sidecar's:
   * the catalog's own, so a feature store checks a row hint by identity.
   */
  adoptItemIds(itemIds: readonly string[]): boolean {
    if (itemIds.length !== this.itemIds.length) return false;
    for (let i = 0; i < itemIds.length; i++) if (itemIds[i] !== this.itemIds[i]) return false;
    this.itemIds = itemIds;
    return true;
  }

  /** `search` without the Promise, for benchmarks and batch jobs. */
  searchSync(query: Float32Array, k: number, effort: SearchEffort = 'full'): ScoredItemId[] {
    const wanted = this.wantedFor(query, k);
    if (wanted === 0) return [];
    // threads = 1: one query gains nothing from a pool, and 0 would mean one per core.
    const native = effort === 'quick' && this.quickNative ? this.quickNative : this.native;
    const { keys, distances } = native.search(query, wanted, 1);
    return this.scored(keys, distances);
  }

  /** How many results a search for `k` returns (0 for none); refuses a query of the wrong dimension. */
  private wantedFor(query: Float32Array, k: number): number {
    if (query.length !== this.dimension) throw new Error(`query has ${query.length} dimensions, index has ${this.dimension}`);
    const wanted = Math.min(Math.floor(k), this.size);
    return wanted > 0 ? wanted : 0;
  }

  /** usearch's keys (rows) and ip distances (1 - <q, v>) as item ids and inner products. */
  private scored(rows: ArrayLike<number | bigint>, distances: Float32Array): ScoredItemId[] {
    const out: ScoredItemId[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = Number(rows[i]);
      out[i] = { itemId: this.itemIds[row]!, score: 1 - distances[i]!, row };
    }
    return out;
  }

}

function createNative(dimension: number, params: HnswParams): Index {
  return new Index({
    dimensions: dimension,
    metric: MetricKind.IP,
    quantization: params.quantization === 'f16' ? ScalarKind.F16 : ScalarKind.F32,
    connectivity: params.connectivity,
    expansion_add: params.expansionAdd,
    expansion_search: params.expansionSearch,
    multi: false,
  });
}

function checkParams(params: HnswParams): void {
  for (const name of ['connectivity', 'expansionAdd', 'expansionSearch'] as const) {
    const value = params[name];
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`HNSW ${name} must be a positive integer, got ${String(value)}`);
  }
  if (params.quantization !== undefined && params.quantization !== 'f32' && params.quantization !== 'f16') {
    throw new RangeError(`HNSW quantization must be f32 or f16, got ${String(params.quantization)}`);
  }
}

let cachedVersion: string | undefined;

/** usearch's version, for the sidecar (its package.json is not in its `exports`, so read the file). */
function usearchVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  cachedVersion = 'unknown';
  try {
    let dir = dirname(createRequire(import.meta.url).resolve('usearch'));
    for (let up = 0; up < 5; up++, dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'usearch' && pkg.version) {
          cachedVersion = pkg.version;
          break;
        }
      } catch {
        // no package.json at this level (usearch nests a dist/cjs one without a name): go up
      }
    }
  } catch {
    // resolution failed: keep 'unknown'; the version is informative only
  }
  return cachedVersion;
}
