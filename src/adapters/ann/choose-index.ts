import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CandidateIndex } from '../../ports/candidate-index.ts';
import { ExactScanIndex } from './exact-scan-index.ts';
import { HNSW_INDEX_FILE, HNSW_SIDECAR_FILE, HnswIndex, type HnswParams } from './hnsw-index.ts';

/**
 * Catalogs up to this size are served by the exact scan. Measured with bench/ann-recall.ts at
 * k = 500, d = 64 (p50): HNSW is already faster at 1k items (0.15 vs 0.35 ms), but up to about
 * 5k the exact scan stays near 1 ms (half that at d = 32), is exact, and needs no build or file;
 * from 10k on it costs 1.3-2.6 ms (20k: 2.4-3.7 ms) against HNSW's 0.3 ms.
 */
export const EXACT_SCAN_MAX_ITEMS = 5_000;

export interface CandidateIndexOptions {
  /** An artifacts folder that may hold a saved HNSW index (see build-ann-index.ts). */
  readonly dir?: string;
  /** Overrides EXACT_SCAN_MAX_ITEMS (tests, benchmarks). */
  readonly exactScanMaxItems?: number;
  /** Params for an index built here (when none is saved). */
  readonly params?: HnswParams;
  /** Worker threads for full searches of a saved HNSW index (see HnswLoadOptions); 0 or absent: none. */
  readonly searchThreads?: number;
  /** Told why a saved index was not used. */
  readonly onWarning?: (message: string) => void;
}

/**
 * The candidate index for a catalog, chosen once at start: the exact scan for small catalogs;
 * otherwise the HNSW index saved in `dir` (memory-mapped), or, when there is none or it was
 * built for other items, one built here (seconds for 100k items; it is not saved).
 */
export async function createCandidateIndex(
  vectors: Float32Array,
  itemIds: readonly string[],
  dimension: number,
  options: CandidateIndexOptions = {},
): Promise<CandidateIndex> {
  if (itemIds.length <= (options.exactScanMaxItems ?? EXACT_SCAN_MAX_ITEMS)) return new ExactScanIndex(vectors, itemIds, dimension);
  const { dir } = options;
  if (dir !== undefined && existsSync(join(dir, HNSW_INDEX_FILE)) && existsSync(join(dir, HNSW_SIDECAR_FILE))) {
    try {
      const saved = await HnswIndex.load(dir, { mmap: true, dimension, searchThreads: options.searchThreads ?? 0 });
      if (saved.size === itemIds.length && saved.adoptItemIds(itemIds)) return saved;
      await saved.close();
      options.onWarning?.(`${join(dir, HNSW_INDEX_FILE)} was built for other items; building a new index in memory`);
    } catch (error) {
      options.onWarning?.(`${(error as Error).message}; building a new index in memory`);
    }
  }
  return HnswIndex.build(vectors, itemIds, dimension, options.params);
}
