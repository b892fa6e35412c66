import type { CatalogItem } from '../ports/catalog.ts';
import { Random, WeightedSampler, zipfWeights } from './random.ts';
import { simulateInteractions, type SyntheticInteractions } from './synthetic-interactions.ts';
import { syntheticTitle } from './synthetic-titles.ts';

export type { SyntheticInteractions } from './synthetic-interactions.ts';

/**
 * A deterministic synthetic catalog, its users and their interactions: the product's default
 * data. Hidden "latent" taste and item factors drive who interacts with what; the embeddings the
 * gateway serves are noisy projections of those factors (real training replaces them later).
 */

/** MovieLens genres and how common each is (relative weights, roughly MovieLens' shares). */
export const GENRES: readonly { readonly name: string; readonly weight: number }[] = [
  { name: 'Action', weight: 5 },
  { name: 'Adventure', weight: 4 },
  { name: 'Animation', weight: 1.8 },
  { name: 'Children', weight: 2 },
  { name: 'Comedy', weight: 8 },
  { name: 'Crime', weight: 3.5 },
  { name: 'Documentary', weight: 1.2 },
  { name: 'Drama', weight: 10 },
  { name: 'Fantasy', weight: 2.5 },
  { name: 'Film-Noir', weight: 0.3 },
  { name: 'Horror', weight: 3 },
  { name: 'Musical', weight: 0.9 },
  { name: 'Mystery', weight: 1.8 },
  { name: 'Romance', weight: 4.5 },
  { name: 'Sci-Fi', weight: 3 },
  { name: 'Thriller', weight: 5 },
  { name: 'War', weight: 1 },
  { name: 'Western', weight: 0.6 },
];

export const DEFAULT_ITEMS = 20_000;
export const DEFAULT_USERS = 10_000;
export const DEFAULT_DIMENSION = 64;
export const MIN_DIMENSION = 16;
export const MAX_DIMENSION = 128;
/** Hidden factor size; embeddings of any served dimension (>= this) are projections of it. */
export const LATENT_DIMENSION = 16;

/** Zipf exponent of item popularity: the top 10% of items draw most proposals. */
const POPULARITY_EXPONENT = 1.0;
/** Noise added to genre mixtures (norm of the noise relative to the unit mixture). */
const ITEM_LATENT_NOISE = 0.6;
const USER_TASTE_NOISE = 0.5;
/** Noise of the served embeddings around the projected latent factors. */
const EMBEDDING_NOISE = 0.35;
/** Interactions per user: Pareto(min, alpha), capped. */
const ACTIVITY_MIN = 8;
const ACTIVITY_ALPHA = 1.5;
const ACTIVITY_MAX = 400;

export interface SyntheticWorldOptions {
  readonly seed: number;
  /** Catalog size, 1..1,000,000 (more works; memory grows by about 400 bytes an item). */
  readonly items?: number;
  readonly users?: number;
  /** Embedding dimension, 16..128. */
  readonly dimension?: number;
  /** Called with the fraction done (0..1), a few hundred times at most. */
  readonly onProgress?: (fraction: number) => void;
}

export interface SyntheticWorld {
  readonly seed: number;
  readonly dimension: number;
  readonly genres: readonly string[];
  /** Item i has id String(i + 1). */
  readonly items: readonly CatalogItem[];
  /** `items[i].popularity` as float32, for hot loops. */
  readonly itemPopularity: Float32Array;
  /** Popularity rank of item i (0 = the most popular); a random permutation, not id order. */
  readonly itemPopularityRank: Uint32Array;
  /** itemCount x dimension, L2-normalised rows. */
  readonly itemVectors: Float32Array;
  /** User u has id String(u + 1). */
  readonly userIds: readonly string[];
  /** userCount x dimension, L2-normalised rows. */
  readonly userVectors: Float32Array;
  /** How many interactions each user was meant to have (power-law). */
  readonly userActivity: Float32Array;
  /** Hidden factors (LATENT_DIMENSION wide, unit rows): ground truth for evaluation. */
  readonly itemLatent: Float32Array;
  readonly userTaste: Float32Array;
  readonly interactions: SyntheticInteractions;
}

/** Builds the world. Pure function of its options: the same seed gives the same world. */
export function generateSyntheticWorld(options: SyntheticWorldOptions): SyntheticWorld {
  const itemCount = checkCount('items', options.items ?? DEFAULT_ITEMS);
  const userCount = checkCount('users', options.users ?? DEFAULT_USERS);
  const dimension = options.dimension ?? DEFAULT_DIMENSION;
  if (!Number.isInteger(dimension) || dimension < MIN_DIMENSION || dimension > MAX_DIMENSION) {
    throw new RangeError(`dimension must be an integer in ${MIN_DIMENSION}..${MAX_DIMENSION}, got ${dimension}`);
  }
  const progress = stagedProgress(options.onProgress);
  const root = new Random(options.seed);
  // One sub-stream per stage: changing how one stage draws leaves the others' output unchanged.
  const genreRandom = root.fork(1);
  const itemRandom = root.fork(2);
  const userRandom = root.fork(3);
  const interactionRandom = root.fork(4);
  const embeddingRandom = root.fork(5);
  // Forked last: adding it left the five streams above (and so every earlier output) unchanged.
  const timeRandom = root.fork(6);

  const K = LATENT_DIMENSION;
  const genreNames = GENRES.map((g) => g.name);
  const genreSampler = new WeightedSampler(GENRES.map((g) => g.weight));
  const genreCentres = new Float32Array(GENRES.length * K);
  for (let g = 0; g < GENRES.length; g++) randomUnit(genreRandom, genreCentres, g * K, K);

  // Items: genres, hidden factors, popularity rank over a random permutation, title, year.
  const itemLatent = new Float32Array(itemCount * K);
  const itemGenres: Uint8Array[] = new Array(itemCount);
  const itemPopularityRank = itemRandom.permutation(itemCount);
  const itemAtRank = new Uint32Array(itemCount);
  const itemPopularity = new Float32Array(itemCount);
  const items: CatalogItem[] = new Array(itemCount);
  const logItems = Math.log(Math.max(2, itemCount));
  const genreBuffer = new Uint8Array(3);
  for (let i = 0; i < itemCount; i++) {
    const genreCount = drawGenres(itemRandom, genreSampler, 1 + pickCount(itemRandom), genreBuffer);
    const genres = genreBuffer.slice(0, genreCount);
    itemGenres[i] = genres;
    mixture(itemRandom, genreCentres, genres, ITEM_LATENT_NOISE, itemLatent, i * K);
    const rank = itemPopularityRank[i]!;
    itemAtRank[rank] = i;
    // Log scaling of the Zipf weight 1/(rank+1)^s: 1 for the top item, 0 for the last.
    const popularity = Math.round((1 - Math.log(rank + 1) / logItems) * 1e6) / 1e6;
    itemPopularity[i] = popularity;
    // Older films are rarer, as in any catalog: years skew recent.
    const year = 2024 - Math.floor(75 * Math.pow(itemRandom.uniform(), 1.6));
    items[i] = {
      id: String(i + 1),
      title: syntheticTitle(itemRandom),
      genres: Array.from(genres, (g) => genreNames[g]!),
      popularity,
      year,
    };
    if ((i & 4095) === 0) progress(0, 0.35, i / itemCount);
  }

  // Users: taste = a mixture of 1-3 genre centres plus noise; activity is power-law.
  const userTaste = new Float32Array(userCount * K);
  const userGenres: Uint8Array[] = new Array(userCount);
  const userActivity = new Float32Array(userCount);
  const userIds: string[] = new Array(userCount);
  const activityCap = Math.max(1, Math.min(ACTIVITY_MAX, Math.floor(itemCount / 4)));
  let wanted = 0;
  for (let u = 0; u < userCount; u++) {
    const genres = genreBuffer.slice(0, drawGenres(userRandom, genreSampler, 1 + pickCount(userRandom), genreBuffer));
    userGenres[u] = genres;
    mixture(userRandom, genreCentres, genres, USER_TASTE_NOISE, userTaste, u * K);
    const activity = Math.min(activityCap, Math.floor(userRandom.pareto(ACTIVITY_MIN, ACTIVITY_ALPHA)));
    userActivity[u] = activity;
    wanted += activity;
    userIds[u] = String(u + 1);
  }
  progress(0.35, 0.4, 1);

  const interactions = simulateInteractions({
    random: interactionRandom,
    timeRandom,
    itemCount,
    userCount,
    latentDimension: K,
    genreCount: GENRES.length,
    popularityByRank: zipfWeights(itemCount, POPULARITY_EXPONENT),
    itemLatent,
    userTaste,
    userActivity,
    userGenres,
    itemGenres,
    itemAtRank,
    itemPopularityRank,
    capacity: wanted,
    onProgress: (f) => progress(0.4, 0.8, f),
  });

  // Served embeddings: the hidden factors through a fixed orthonormal map into R^d, plus noise.
  const basis = orthonormalBasis(embeddingRandom, dimension, K);
  const itemVectors = embed(embeddingRandom, basis, itemLatent, itemCount, dimension, (f) => progress(0.8, 0.97, f));
  const userVectors = embed(embeddingRandom, basis, userTaste, userCount, dimension, (f) => progress(0.97, 1, f));
  progress(1, 1, 1);

  return {
    seed: options.seed,
    dimension,
    genres: genreNames,
    items,
    itemPopularity,
    itemPopularityRank,
    itemVectors,
    userIds,
    userVectors,
    userActivity,
    itemLatent,
    userTaste,
    interactions,
  };
}

/** 1..3 with probabilities 0.45 / 0.35 / 0.2 (minus one: the caller adds it). */
function pickCount(random: Random): number {
  const r = random.uniform();
  return r < 0.45 ? 0 : r < 0.8 ? 1 : 2;
}

/** Distinct genres drawn by their weights into `out`; returns how many. */
function drawGenres(random: Random, sampler: WeightedSampler, count: number, out: Uint8Array): number {
  let n = 0;
  // A few retries: duplicates are common (Drama, Comedy), and fewer genres is an acceptable outcome.
  for (let attempt = 0; attempt < count * 4 && n < count; attempt++) {
    const g = sampler.sample(random);
    let duplicate = false;
    for (let j = 0; j < n; j++) if (out[j] === g) duplicate = true;
    if (!duplicate) out[n++] = g;
  }
  return n;
}

/** Unit vector: weighted genre centres (first genre strongest) plus isotropic noise of norm ~`noise`. */
function mixture(random: Random, centres: Float32Array, genres: Uint8Array, noise: number, out: Float32Array, offset: number): void {
  const K = LATENT_DIMENSION;
  const scale = noise / Math.sqrt(K);
  for (let k = 0; k < K; k++) out[offset + k] = scale * random.normal();
  for (let j = 0; j < genres.length; j++) {
    const w = j === 0 ? 1 : 0.5 + 0.3 * random.uniform();
    const base = genres[j]! * K;
    for (let k = 0; k < K; k++) out[offset + k]! += w * centres[base + k]!;
  }
  normalize(out, offset, K);
}

function randomUnit(random: Random, out: Float32Array, offset: number, length: number): void {
  for (let k = 0; k < length; k++) out[offset + k] = random.normal();
  normalize(out, offset, length);
}

/** d x k matrix (row-major) with orthonormal columns (Gram-Schmidt): it preserves inner products. */
function orthonormalBasis(random: Random, d: number, k: number): Float64Array {
  const basis = new Float64Array(d * k);
  const column = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    for (let r = 0; r < d; r++) column[r] = random.normal();
    for (let prev = 0; prev < c; prev++) {
      let proj = 0;
      for (let r = 0; r < d; r++) proj += column[r]! * basis[r * k + prev]!;
      for (let r = 0; r < d; r++) column[r]! -= proj * basis[r * k + prev]!;
    }
    let norm = 0;
    for (let r = 0; r < d; r++) norm += column[r]! * column[r]!;
    norm = Math.sqrt(norm);
    for (let r = 0; r < d; r++) basis[r * k + c] = column[r]! / norm;
  }
  return basis;
}

function embed(random: Random, basis: Float64Array, latent: Float32Array, count: number, d: number, onProgress: (f: number) => void): Float32Array {
  const K = LATENT_DIMENSION;
  const out = new Float32Array(count * d);
  const noise = EMBEDDING_NOISE / Math.sqrt(d);
  for (let i = 0; i < count; i++) {
    const lo = i * K;
    const o = i * d;
    for (let r = 0; r < d; r++) {
      let sum = noise * random.normal();
      const b = r * K;
      for (let k = 0; k < K; k++) sum += basis[b + k]! * latent[lo + k]!;
      out[o + r] = sum;
    }
    normalize(out, o, d);
    if ((i & 8191) === 0) onProgress(i / count);
  }
  return out;
}

function normalize(v: Float32Array, offset: number, length: number): void {
  let norm = 0;
  for (let k = 0; k < length; k++) norm += v[offset + k]! * v[offset + k]!;
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let k = 0; k < length; k++) v[offset + k]! *= inv;
}

function checkCount(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** Maps stage-local fractions onto the whole run and never reports going backwards. */
function stagedProgress(onProgress: ((fraction: number) => void) | undefined): (from: number, to: number, f: number) => void {
  let last = -1;
  return (from, to, f) => {
    if (!onProgress) return;
    const overall = from + (to - from) * Math.min(1, Math.max(0, f));
    if (overall - last >= 0.005 || (overall === 1 && last !== 1)) {
      last = overall;
      onProgress(overall);
    }
  };
}
