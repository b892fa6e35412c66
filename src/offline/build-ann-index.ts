import { join } from 'node:path';
import { DEFAULT_HNSW_PARAMS, HNSW_INDEX_FILE, HNSW_SIDECAR_FILE, HnswIndex, type HnswParams } from '../adapters/ann/hnsw-index.ts';

/** File names of the ANN index inside the artifacts folder. */
export const ANN_INDEX_FILE = HNSW_INDEX_FILE;
/** Item ids in key order, dimension, params, library and version; read by `HnswIndex.load`. */
export const ANN_SIDECAR_FILE = HNSW_SIDECAR_FILE;

export interface BuildAnnIndexOptions {
  /** itemIds.length x dimension, row-major, L2-normalised rows. */
  readonly vectors: Float32Array;
  readonly itemIds: readonly string[];
  readonly dimension: number;
  /** The artifacts folder (created if missing). */
  readonly dir: string;
  /** Defaults to DEFAULT_HNSW_PARAMS (chosen from bench/ann-recall.ts). */
  readonly params?: HnswParams;
  /** Native build threads; 0 (default) = one per core, 1 = the same graph on every run. */
  readonly threads?: number;
  /** Fraction inserted, 0..1. */
  readonly onProgress?: (fraction: number) => void;
}

export interface BuiltAnnIndex {
  /** Path of the index file. */
  readonly file: string;
  readonly sidecar: string;
  readonly params: HnswParams;
  /** Graph construction only (not the save). */
  readonly buildMs: number;
}

/**
 * Builds the HNSW index over the item vectors and saves it (ANN_INDEX_FILE + ANN_SIDECAR_FILE)
 * into `dir`. The build is synchronous native work: seconds for 100k items, blocking the
 * event loop of the offline process while it runs (progress is reported between chunks).
 */
export async function buildAnnIndex(options: BuildAnnIndexOptions): Promise<BuiltAnnIndex> {
  const params = options.params ?? DEFAULT_HNSW_PARAMS;
  const started = performance.now();
  const index = HnswIndex.build(options.vectors, options.itemIds, options.dimension, params, {
    threads: options.threads ?? 0,
    onProgress: options.onProgress,
  });
  const buildMs = performance.now() - started;
  const file = await index.save(options.dir);
  return { file, sidecar: join(options.dir, ANN_SIDECAR_FILE), params, buildMs };
}
