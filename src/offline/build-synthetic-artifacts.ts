import { buildArtifacts, type StageTimings } from './build-artifacts.ts';
import type { ArtifactsManifest } from './artifacts.ts';
import { createProgress } from './progress.ts';
import { DEFAULT_DIMENSION, DEFAULT_ITEMS, DEFAULT_USERS, generateSyntheticWorld } from './synthetic-data.ts';
import { datasetFromSyntheticWorld } from './synthetic-dataset.ts';

/**
 * The default artifacts folder, from nothing: a synthetic world run through the offline
 * pipeline (build-artifacts.ts). Run by `npm run build:artifacts` and by the gateway at start
 * when its artifacts folder has no manifest.
 */
export interface BuildSyntheticArtifactsOptions {
  /** The artifacts folder; created or replaced whole. */
  readonly dir: string;
  readonly seed?: number;
  readonly items?: number;
  readonly users?: number;
  readonly dimension?: number;
  /** Train ranker-heavy too (default true). */
  readonly heavy?: boolean;
  readonly positiveThreshold?: number;
  readonly timeCutMs?: number;
  /** No progress bars. */
  readonly quiet?: boolean;
}

/** Above this many items the generator's own embeddings are served instead of trained ones (training would take minutes). */
export const TRAINED_EMBEDDINGS_MAX_ITEMS = 200_000;
const DEFAULT_SEED = 42;

export async function buildSyntheticArtifacts(
  options: BuildSyntheticArtifactsOptions,
): Promise<{ manifest: ArtifactsManifest; timingsMs: StageTimings }> {
  const seed = options.seed ?? DEFAULT_SEED;
  const items = options.items ?? DEFAULT_ITEMS;
  const dimension = options.dimension ?? DEFAULT_DIMENSION;
  const generating = createProgress('generate  ', process.stderr, { quiet: options.quiet ?? false });
  const world = generateSyntheticWorld({ seed, items, users: options.users ?? DEFAULT_USERS, dimension, onProgress: (f) => generating.update(f) });
  generating.done(`${items} items, ${world.userIds.length} users, ${world.interactions.count} interactions`);
  const dataset = datasetFromSyntheticWorld(world);
  return buildArtifacts({
    dir: options.dir,
    dataset,
    seed,
    dimension,
    heavy: options.heavy,
    positiveThreshold: options.positiveThreshold,
    timeCutMs: options.timeCutMs,
    quiet: options.quiet,
    embeddings: items > TRAINED_EMBEDDINGS_MAX_ITEMS ? { userVectors: world.userVectors, itemVectors: world.itemVectors } : undefined,
  });
}
