import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FEATURE_LAYOUT_VERSION, featureCount } from '../pipeline/feature-layout.ts';
import { ARTIFACTS_FORMAT_VERSION, MANIFEST_FILE, writeArtifacts, type ArtifactsManifest, type ModelEntry } from './artifacts.ts';
import { headUsers, precomputeTopLists, trendingList } from './candidate-lists.ts';
import { mlpToOnnx } from './onnx-export.ts';
import { createProgress } from './progress.ts';
import { DEFAULT_DIMENSION, DEFAULT_ITEMS, DEFAULT_USERS, generateSyntheticWorld } from './synthetic-data.ts';
import { trainRanker } from './train-ranker.ts';

/**
 * The default artifacts folder, from nothing: a synthetic world, a trained light ranker in
 * ONNX, trending and head-user lists. Run by `npm run build:artifacts` and by the gateway at
 * start when its artifacts folder has no manifest.
 */

export interface BuildSyntheticArtifactsOptions {
  /** The artifacts folder; created or replaced whole. */
  readonly dir: string;
  readonly seed?: number;
  readonly items?: number;
  readonly users?: number;
  readonly dimension?: number;
  /** No progress bars. */
  readonly quiet?: boolean;
}

export interface BuildSyntheticArtifactsResult {
  readonly manifest: ArtifactsManifest;
  /** Wall time of each stage and the total, in milliseconds. */
  readonly timingsMs: Readonly<Record<'generate' | 'train' | 'export' | 'lists' | 'precompute' | 'write' | 'total', number>>;
}

export const RANKER_LIGHT_NAME = 'ranker-light';
export const RANKER_LIGHT_FILE = 'ranker-light.onnx';
export const TRENDING_LENGTH = 1000;
export const PRECOMPUTED_LENGTH = 500;
/** Head users: the most active fifth, who make most requests and are worth a precomputed list. */
export const HEAD_USER_SHARE = 0.2;
const DEFAULT_SEED = 42;

/**
 * Builds into `<dir>.tmp-<pid>` and then swaps it in, so `dir` never holds a manifest beside
 * half-written files. Progress bars go to stderr unless `quiet`. Takes about 15 s for the
 * default world (20k items, 10k users, d = 32) on two cores.
 */
export async function buildSyntheticArtifacts(options: BuildSyntheticArtifactsOptions): Promise<BuildSyntheticArtifactsResult> {
  const seed = options.seed ?? DEFAULT_SEED;
  const items = options.items ?? DEFAULT_ITEMS;
  const users = options.users ?? DEFAULT_USERS;
  const dimension = options.dimension ?? DEFAULT_DIMENSION;
  const quiet = options.quiet ?? false;
  const dir = resolve(options.dir);
  const clock = stageClock();

  const generating = createProgress('generate  ', process.stderr, { quiet });
  const world = generateSyntheticWorld({ seed, items, users, dimension, onProgress: (f) => generating.update(f) });
  generating.done(`${items} items, ${users} users, ${world.interactions.count} interactions`);
  const generate = clock();

  const training = createProgress('train     ', process.stderr, { quiet });
  const trained = trainRanker(world, { seed: seed + 1, onProgress: (f) => training.update(f) });
  training.done(`held-out AUC ${trained.heldOutAuc.toFixed(3)}, loss ${trained.trainLoss.toFixed(3)}`);
  const train = clock();

  const F = featureCount(dimension);
  const version = '1';
  const onnxBytes = mlpToOnnx(trained.weights, {
    inputName: 'features',
    outputName: 'scores',
    featureCount: F,
    modelName: RANKER_LIGHT_NAME,
    version,
    metadata: { featureLayoutVersion: String(FEATURE_LAYOUT_VERSION) },
  });
  const ranker: ModelEntry = {
    name: RANKER_LIGHT_NAME,
    version,
    file: RANKER_LIGHT_FILE,
    inputName: 'features',
    outputName: 'scores',
    featureCount: F,
    featureLayoutVersion: FEATURE_LAYOUT_VERSION,
    precision: 'fp32',
  };
  const exported = clock();

  const itemIds = world.items.map((item) => item.id);
  const trending = trendingList(world.interactions.itemIndex, itemIds, TRENDING_LENGTH);
  const head = headUsers(world.interactions.userOffsets, HEAD_USER_SHARE);
  const lists = clock();

  const precomputing = createProgress('precompute', process.stderr, { quiet });
  const listLength = Math.min(PRECOMPUTED_LENGTH, items);
  const precomputed = await precomputeTopLists({
    users: head,
    userIds: world.userIds,
    userVectors: world.userVectors,
    itemIds,
    itemVectors: world.itemVectors,
    dimension,
    listLength,
    onProgress: (f) => precomputing.update(f),
  });
  precomputing.done(`${head.length} head users x ${listLength}`);
  const precompute = clock();

  const computedAt = new Date().toISOString();
  const manifest: ArtifactsManifest = {
    formatVersion: ARTIFACTS_FORMAT_VERSION,
    createdAt: computedAt,
    source: { kind: 'synthetic', seed, items, users },
    dimension,
    itemCount: items,
    userCount: users,
    rankers: [ranker],
    precomputed: { users: head.length, listLength, computedAt, embeddingVersion: `synthetic-s${seed}-d${dimension}` },
    trending: { listLength: trending.length, computedAt },
    metrics: {
      interactions: world.interactions.count,
      trainLoss: trained.trainLoss,
      heldOutLoss: trained.heldOutLoss,
      heldOutAuc: trained.heldOutAuc,
      heldOutAucDot: trained.heldOutAucDot,
      heldOutAucPopularity: trained.heldOutAucPopularity,
      trainExamples: trained.examples.train,
      heldOutExamples: trained.examples.heldOut,
      generateMs: Math.round(generate),
      trainMs: Math.round(train),
      exportMs: Math.round(exported),
      precomputeMs: Math.round(precompute),
    },
  };

  const tmp = join(dirname(dir), `${basename(dir)}.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  try {
    await mkdir(tmp, { recursive: true });
    await writeFile(join(tmp, RANKER_LIGHT_FILE), onnxBytes);
    await writeArtifacts(tmp, {
      manifest,
      items: world.items,
      itemVectors: world.itemVectors,
      userIds: world.userIds,
      userVectors: world.userVectors,
      precomputed,
      trending,
    });
    await replaceFolder(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  const write = clock();

  return {
    manifest,
    timingsMs: {
      generate: Math.round(generate),
      train: Math.round(train),
      export: Math.round(exported),
      lists: Math.round(lists),
      precompute: Math.round(precompute),
      write: Math.round(write),
      total: Math.round(clock.total()),
    },
  };
}

/**
 * Moves the complete folder `from` to `to`. If `to` exists it is swapped out by two renames
 * (it is briefly absent, never half-written); where it cannot be renamed (a mount point, say)
 * its manifest goes first, then its files are replaced, and the new manifest comes last.
 */
async function replaceFolder(from: string, to: string): Promise<void> {
  if (!existsSync(to)) {
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
    return;
  }
  const old = `${to}.old-${process.pid}`;
  try {
    await rename(to, old);
  } catch {
    await replaceContents(from, to);
    return;
  }
  await rename(from, to);
  await rm(old, { recursive: true, force: true });
}

async function replaceContents(from: string, to: string): Promise<void> {
  await rm(join(to, MANIFEST_FILE), { force: true });
  for (const entry of await readdir(to)) await rm(join(to, entry), { recursive: true, force: true });
  const files = (await readdir(from)).filter((f) => f !== MANIFEST_FILE);
  // Copy, not rename: `from` may be on another filesystem than a mounted `to`.
  for (const file of [...files, MANIFEST_FILE]) await copyFile(join(from, file), join(to, file));
  await rm(from, { recursive: true, force: true });
}

/** Each call returns the milliseconds since the previous one; `total()` since creation. */
function stageClock(): (() => number) & { total(): number } {
  const start = performance.now();
  let last = start;
  const lap = (): number => {
    const now = performance.now();
    const ms = now - last;
    last = now;
    return ms;
  };
  return Object.assign(lap, { total: () => performance.now() - start });
}
