import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, basename } from 'node:path';
import type { ScoredItemId } from '../ports/feature-store.ts';
import { FEATURE_LAYOUT_VERSION, featureCount, type ItemInputs } from '../pipeline/feature-layout.ts';
import { ARTIFACTS_FORMAT_VERSION, writeArtifacts, type ArtifactsManifest, type ModelEntry } from './artifacts.ts';
import { headUsers, trendingList } from './candidate-lists.ts';
import { itemInteractionCounts, logPopularity, type Dataset } from './dataset.ts';
import { writeEvaluationSet, type EvaluationSet } from './evaluation-set.ts';
import { genreProfiles } from './genre-profiles.ts';
import { innerProductTopK } from './inner-product-top-k.ts';
import { RANKER_HEAVY_LAYERS, RANKER_LIGHT_LAYERS } from './mlp.ts';
import { mlpToOnnx } from './onnx-export.ts';
import { createProgress } from './progress.ts';
import { replaceFolder } from './replace-folder.ts';
import { Random } from './random.ts';
import { buildRankerTrainingSet, type RankerTrainingSet } from './ranker-training-set.ts';
import { splitByTime, splitLeaveLastOut, DEFAULT_POSITIVE_THRESHOLD, type Split } from './split.ts';
import { trainEmbeddings } from './train-embeddings.ts';
import { trainMlp, type MlpTrainingData } from './train-mlp.ts';
import { holdOutLastPositives, type UserSequences } from './user-sequences.ts';
import { buildAnnIndex } from './build-ann-index.ts';
import { EXACT_SCAN_MAX_ITEMS } from '../adapters/ann/choose-index.ts';

/**
 * The offline pipeline, from any Dataset to an artifacts folder the gateway loads:
 *   split (leave-last-out) -> embeddings (trained on train minus each user's last positives)
 *   -> ranker examples (those positives vs retrieval's candidates) -> ranker-light and
 *   ranker-heavy, FP32 and INT8 -> ANN index (large catalogs) -> trending and head-user lists
 *   -> evaluation split -> manifest (written last).
 */
export interface BuildArtifactsOptions {
  readonly dir: string;
  readonly dataset: Dataset;
  readonly seed: number;
  readonly dimension: number;
  /** Ratings at or above this are positives (default 4). */
  readonly positiveThreshold?: number;
  /** Hold out by a global time cut (epoch ms) instead of each user's last positive. */
  readonly timeCutMs?: number;
  /** Train ranker-heavy too (default true). */
  readonly heavy?: boolean;
  /** Use these embeddings instead of training them (huge synthetic catalogs). */
  readonly embeddings?: { readonly userVectors: Float32Array; readonly itemVectors: Float32Array };
  readonly quiet?: boolean;
  /**
   * Retrain the served embeddings on the whole training split once the rankers are trained
   * (default true): the rankers learn from embeddings that never saw their targets, and the
   * gateway serves embeddings that saw everything.
   */
  readonly refitEmbeddings?: boolean;
  /** Positives per user the ranker learns from (held out of embedding training). */
  readonly rankerTargetsPerUser?: number;
  readonly negativesPerTarget?: number;
}

export type StageTimings = Record<string, number>;

/**
 * Chosen on ml-latest-small (leave-last-out, d = 64, seed 42; NDCG@10 coarse / light / heavy):
 * 3 targets x 4 negatives 0.034 / 0.036 / 0.045; 6 x 8 0.029 / 0.045 / 0.049; 10 x 16
 * 0.026 / 0.046 / 0.046; 6 x 8 with the served embeddings refit on the whole training split
 * 0.037 / 0.052 / 0.058 (the default).
 */
export const RANKER_TARGETS_PER_USER = 6;
export const NEGATIVES_PER_TARGET = 8;
export const TRENDING_LENGTH = 1000;
export const PRECOMPUTED_LENGTH = 500;
export const HEAD_USER_SHARE = 0.2;
/** Rows INT8 quantisation is calibrated on, spread over the whole training set. */
const CALIBRATION_ROWS = 2000;
/** Share of users whose ranker rows are held out to report the ranker's AUC. */
const RANKER_HELD_OUT_USERS = 0.1;

export async function buildArtifacts(options: BuildArtifactsOptions): Promise<{ manifest: ArtifactsManifest; timingsMs: StageTimings }> {
  const { dataset, dimension: d } = options;
  const quiet = options.quiet ?? false;
  const threshold = options.positiveThreshold ?? DEFAULT_POSITIVE_THRESHOLD;
  const random = new Random(options.seed);
  const timings: StageTimings = {};
  const started = performance.now();
  let stageStart = started;
  const stage = (name: string) => {
    timings[name] = Math.round(performance.now() - stageStart);
    stageStart = performance.now();
  };
  const dir = resolve(options.dir);
  const work = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });

  const split = options.timeCutMs === undefined
    ? splitLeaveLastOut(dataset, { positiveThreshold: threshold })
    : splitByTime(dataset, { cutTimestampMs: options.timeCutMs, positiveThreshold: threshold });
  const train: UserSequences = split.train;
  const { kept, targets } = holdOutLastPositives(train, options.rankerTargetsPerUser ?? RANKER_TARGETS_PER_USER, threshold);
  stage('split');

  // Popularity from training counts only: the held-out interactions must not leak into a feature.
  const popularity = logPopularity(itemInteractionCounts({ count: train.itemIndex.length, itemIndex: train.itemIndex }, dataset.items.length));
  const items = dataset.items.map((item, i) => ({ ...item, popularity: popularity[i]! }));

  const embedding = createProgress('embeddings', process.stderr, { quiet });
  const vectors = options.embeddings ?? trainEmbeddings(kept, { itemCount: items.length, itemGenreMask: dataset.itemGenreMask, dimension: d, seed: options.seed, positiveThreshold: threshold, onProgress: (f: number) => embedding.update(f) });
  embedding.done();
  stage('embeddings');

  const genreCount = dataset.genres.length;
  const profiles = genreProfiles(train, dataset.itemGenreMask, genreCount, threshold);
  const itemInputs = (i: number): ItemInputs => ({
    vector: vectors.itemVectors.subarray(i * d, (i + 1) * d),
    popularity: items[i]!.popularity,
    genreMask: dataset.itemGenreMask[i]!,
    year: items[i]!.year,
  });

  // Retrieval's candidates for users with ranker targets, without what they have seen.
  const candidateProgress = createProgress('candidates', process.stderr, { quiet });
  const targetUsers = usersWith(targets);
  const candidates = await retrieveUnseen(kept, targetUsers, vectors.userVectors, vectors.itemVectors, d, PRECOMPUTED_LENGTH, (f) => candidateProgress.update(f));
  candidateProgress.done(`${targetUsers.length} users`);
  const examples = buildRankerTrainingSet({
    history: kept,
    targets,
    candidates: (u) => candidates.get(u),
    userVectors: vectors.userVectors,
    itemVectors: vectors.itemVectors,
    dimension: d,
    genreProfiles: profiles,
    genreCount,
    items: itemInputs,
    positiveThreshold: threshold,
    negativesPerTarget: options.negativesPerTarget ?? NEGATIVES_PER_TARGET,
    random: random.fork(1),
  });
  const { fit, heldOut } = splitRowsByUser(examples, random.fork(2));
  stage('examples');

  const rankers: ModelEntry[] = [];
  const metrics: Record<string, number> = { rankerExamples: examples.rows };
  const presets = [['ranker-light', RANKER_LIGHT_LAYERS] as const, ...(options.heavy === false ? [] : [['ranker-heavy', RANKER_HEAVY_LAYERS] as const])];
  for (const [name, layers] of presets) {
    const training = createProgress(name.padEnd(10), process.stderr, { quiet });
    const trained = await trainMlp(fit, heldOut, { hiddenLayers: layers, seed: options.seed + rankers.length + 1, onProgress: (f) => training.update(f) });
    training.done(`held-out AUC ${trained.heldOutAuc.toFixed(3)}`);
    metrics[`${name}.heldOutAuc`] = trained.heldOutAuc;
    metrics[`${name}.trainMs`] = Math.round(trained.elapsedMs);
    for (const precision of ['fp32', 'int8'] as const) {
      const file = `${name}.${precision}.onnx`;
      const bytes = mlpToOnnx(trained.weights, {
        inputName: 'features',
        outputName: 'scores',
        modelName: name,
        version: '1',
        precision,
        calibration: calibrationRows(fit, CALIBRATION_ROWS),
        metadata: { featureLayoutVersion: String(FEATURE_LAYOUT_VERSION) },
      });
      await writeFile(join(work, file), bytes);
      rankers.push({ name, version: '1', file, inputName: 'features', outputName: 'scores', featureCount: featureCount(d), featureLayoutVersion: FEATURE_LAYOUT_VERSION, precision });
    }
    stage(name);
  }

  const itemIds = items.map((item) => item.id);
  let served = vectors;
  if ((options.refitEmbeddings ?? true) && !options.embeddings) {
    const refit = createProgress('refit     ', process.stderr, { quiet });
    served = trainEmbeddings(train, { itemCount: items.length, itemGenreMask: dataset.itemGenreMask, dimension: d, seed: options.seed, positiveThreshold: threshold, onProgress: (f: number) => refit.update(f) });
    refit.done('served embeddings, whole training split');
  }
  stage('refit');
  if (items.length > EXACT_SCAN_MAX_ITEMS) {
    const indexing = createProgress('index     ', process.stderr, { quiet });
    const index = await buildAnnIndex({ vectors: served.itemVectors, itemIds, dimension: d, dir: work, onProgress: (f) => indexing.update(f) });
    indexing.done(`HNSW M=${index.params.connectivity}, ef=${index.params.expansionSearch}`);
    metrics['ann.buildMs'] = Math.round(index.buildMs);
  }
  stage('index');

  const trending = trendingList(train.itemIndex, itemIds, TRENDING_LENGTH);
  const heads = headUsers(train.userOffsets, HEAD_USER_SHARE);
  const listsProgress = createProgress('precompute', process.stderr, { quiet });
  const lists = await retrieveUnseen(train, Array.from(heads), served.userVectors, served.itemVectors, d, PRECOMPUTED_LENGTH, (f) => listsProgress.update(f));
  const precomputed = new Map<string, ScoredItemId[]>();
  for (const [u, rows] of lists) {
    const user = served.userVectors.subarray(u * d, (u + 1) * d);
    precomputed.set(dataset.userIds[u]!, Array.from(rows, (i) => ({ itemId: itemIds[i]!, score: round6(dot(user, served.itemVectors, i, d)) })));
  }
  listsProgress.done(`${heads.length} head users x ${PRECOMPUTED_LENGTH}`);
  stage('lists');

  const evaluation = evaluationSet(dataset, split, train, threshold);
  const now = new Date().toISOString();
  const manifest: ArtifactsManifest = {
    formatVersion: ARTIFACTS_FORMAT_VERSION,
    createdAt: now,
    source: { kind: dataset.source.kind, description: dataset.source.description, seed: options.seed },
    dimension: d,
    genres: dataset.genres,
    itemCount: items.length,
    userCount: dataset.userIds.length,
    rankers,
    precomputed: { users: precomputed.size, listLength: PRECOMPUTED_LENGTH, computedAt: now, embeddingVersion: `${dataset.source.kind}-${options.seed}` },
    trending: { listLength: trending.length, computedAt: now },
    metrics: { ...metrics, testUsers: evaluation.users.length },
  };
  await writeEvaluationSet(work, evaluation);
  await writeArtifacts(work, {
    manifest,
    items,
    itemVectors: served.itemVectors,
    userIds: dataset.userIds,
    userVectors: served.userVectors,
    userGenreProfiles: profiles,
    precomputed,
    trending,
  });
  stage('write');
  // Swap the finished folder in: `dir` never holds a manifest beside half-written files.
  await replaceFolder(work, dir);
  timings.total = Math.round(performance.now() - started);
  return { manifest, timingsMs: timings };
}

function usersWith(sequences: UserSequences): number[] {
  const out: number[] = [];
  for (let u = 0; u + 1 < sequences.userOffsets.length; u++) if (sequences.userOffsets[u + 1]! > sequences.userOffsets[u]!) out.push(u);
  return out;
}

/** Top `k` items by inner product per user, leaving out what `history` says the user touched. */
async function retrieveUnseen(
  history: UserSequences,
  users: readonly number[],
  userVectors: Float32Array,
  itemVectors: Float32Array,
  d: number,
  k: number,
  onProgress: (fraction: number) => void,
): Promise<Map<number, Uint32Array>> {
  const out = new Map<number, Uint32Array>();
  if (users.length === 0) return out;
  let maxSeen = 0;
  for (const u of users) maxSeen = Math.max(maxSeen, history.userOffsets[u + 1]! - history.userOffsets[u]!);
  const itemCount = itemVectors.length / d;
  const tops = await innerProductTopK({ queries: userVectors, queryRows: users, vectors: itemVectors, dimension: d, k: Math.min(itemCount, k + maxSeen), onProgress });
  users.forEach((u, j) => {
    const seen = new Set(history.itemIndex.subarray(history.userOffsets[u]!, history.userOffsets[u + 1]!));
    const kept = tops[j]!.indices.filter((i) => !seen.has(i));
    out.set(u, kept.subarray(0, k));
  });
  return out;
}

function splitRowsByUser(set: RankerTrainingSet, random: Random): { fit: MlpTrainingData; heldOut: MlpTrainingData } {
  const heldOutUser = new Map<number, boolean>();
  const isHeldOut = (u: number) => {
    if (!heldOutUser.has(u)) heldOutUser.set(u, random.uniform() < RANKER_HELD_OUT_USERS);
    return heldOutUser.get(u)!;
  };
  const F = set.inputSize;
  const pick = (want: boolean): MlpTrainingData => {
    const rows: number[] = [];
    for (let r = 0; r < set.rows; r++) if (isHeldOut(set.users[r]!) === want) rows.push(r);
    const features = new Float32Array(rows.length * F);
    const labels = new Uint8Array(rows.length);
    rows.forEach((r, k) => {
      features.set(set.features.subarray(r * F, (r + 1) * F), k * F);
      labels[k] = set.labels[r]!;
    });
    return { features, labels, rows: rows.length, inputSize: F };
  };
  return { fit: pick(false), heldOut: pick(true) };
}

function evaluationSet(dataset: Dataset, split: Split, train: UserSequences, threshold: number): EvaluationSet {
  const { test } = split;
  const ids = (rows: ArrayLike<number>) => Array.from(rows, (i) => dataset.items[i]!.id);
  const users = Array.from(test.users, (u, t) => {
    const history = train.itemIndex.subarray(train.userOffsets[u]!, train.userOffsets[u + 1]!);
    const ratings = train.rating.subarray(train.userOffsets[u]!, train.userOffsets[u + 1]!);
    const session: number[] = [];
    for (let i = history.length - 1; i >= 0 && session.length < 3; i--) if (ratings[i]! >= threshold) session.unshift(history[i]!);
    return {
      userId: dataset.userIds[u]!,
      heldOut: ids(test.items.subarray(test.offsets[t]!, test.offsets[t + 1]!)),
      seen: ids(history),
      session: ids(session),
    };
  });
  return { split: split.description, positiveThreshold: threshold, users };
}

/** Every (rows / n)-th row: the fit rows are grouped by user, so a prefix would see few users. */
function calibrationRows(data: MlpTrainingData, n: number): Float32Array {
  const F = data.inputSize;
  const count = Math.min(n, data.rows);
  const out = new Float32Array(count * F);
  for (let k = 0; k < count; k++) {
    const r = Math.floor((k * data.rows) / count);
    out.set(data.features.subarray(r * F, (r + 1) * F), k * F);
  }
  return out;
}

function dot(user: Float32Array, items: Float32Array, i: number, d: number): number {
  let sum = 0;
  for (let j = 0; j < d; j++) sum += user[j]! * items[i * d + j]!;
  return sum;
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
