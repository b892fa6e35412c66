import { WeightedSampler, type Random } from './random.ts';

/**
 * Simulated interactions of the synthetic world: who took which item, drawn from hidden
 * tastes and popularity. Separate from the world's generation so the behaviour model can
 * change (sessions, time, ratings) without touching how the catalog is made.
 */

/** Interactions in user order: user u's are at [userOffsets[u], userOffsets[u + 1]). */
export interface SyntheticInteractions {
  readonly count: number;
  readonly userIndex: Uint32Array;
  readonly itemIndex: Uint32Array;
  /** A MovieLens-like rating in 0.5..5, higher for closer tastes. */
  readonly weight: Float32Array;
  /**
   * Epoch milliseconds (whole seconds), increasing within each user in drawing order: see
   * `simulateTimestamps`. Drawn from their own random stream, so they change nothing else.
   */
  readonly timestamp: Float64Array;
  /** userCount + 1 offsets into the arrays above. */
  readonly userOffsets: Uint32Array;
}

/** A proposal comes from global popularity with this probability, else from one of the user's genres. */
const POPULAR_PROPOSAL_SHARE = 0.5;
/** Acceptance = sigmoid(sharpness * (affinity - threshold)), affinity = taste . item latent in [-1, 1]. */
const AFFINITY_SHARPNESS = 8;
const AFFINITY_THRESHOLD = 0.35;
/** Give up on a user after this many proposals per wanted interaction (tiny catalogs, odd tastes). */
const MAX_PROPOSALS_PER_INTERACTION = 40;

/** What the simulation reads from the world being generated. */
export interface SimulationInput {
  readonly random: Random;
  /** Stream for timestamps only (kept apart so the interactions do not depend on it). */
  readonly timeRandom: Random;
  readonly itemCount: number;
  readonly userCount: number;
  readonly latentDimension: number;
  readonly genreCount: number;
  /** Proposal weight of the item at each popularity rank (Zipf). */
  readonly popularityByRank: Float64Array;
  readonly itemLatent: Float32Array;
  readonly userTaste: Float32Array;
  readonly userActivity: Float32Array;
  readonly userGenres: readonly Uint8Array[];
  readonly itemGenres: readonly Uint8Array[];
  readonly itemAtRank: Uint32Array;
  readonly itemPopularityRank: Uint32Array;
  readonly capacity: number;
  readonly onProgress: (fraction: number) => void;
}

/**
 * Each user draws items by proposal and acceptance: a proposal is a popular item (Zipf over
 * the catalog) or a popular item of one of the user's genres; it is accepted with a probability
 * rising with taste . item. Cost is O(interactions * proposals per interaction * log items),
 * independent of catalog size, so a 1M-item world costs what a 20k one does here.
 */
export function simulateInteractions(input: SimulationInput): SyntheticInteractions {
  const { random, itemCount, userCount, itemLatent, userTaste, userActivity, userGenres, itemAtRank } = input;
  const K = input.latentDimension;
  const weights = input.popularityByRank;
  const globalSampler = new WeightedSampler(weights);
  const perGenre = genreSamplers(input.itemGenres, input.genreCount, input.itemPopularityRank, weights);

  const userIndex = new Uint32Array(input.capacity);
  const itemIndex = new Uint32Array(input.capacity);
  const weight = new Float32Array(input.capacity);
  const userOffsets = new Uint32Array(userCount + 1);
  // seenBy[item] = last user who took it: a duplicate check without a per-user set.
  const seenBy = new Int32Array(itemCount).fill(-1);
  let n = 0;
  for (let u = 0; u < userCount; u++) {
    userOffsets[u] = n;
    const want = userActivity[u]!;
    const genres = userGenres[u]!;
    const maxProposals = want * MAX_PROPOSALS_PER_INTERACTION;
    let got = 0;
    for (let p = 0; p < maxProposals && got < want; p++) {
      let item: number;
      const genre = genres[random.int(genres.length)]!;
      const genreSampler = perGenre[genre];
      if (genreSampler === undefined || random.chance(POPULAR_PROPOSAL_SHARE)) {
        item = itemAtRank[globalSampler.sample(random)]!;
      } else {
        item = genreSampler.items[genreSampler.sampler.sample(random)]!;
      }
      if (seenBy[item] === u) continue;
      const affinity = dot(userTaste, u * K, itemLatent, item * K, K);
      if (!random.chance(sigmoid(AFFINITY_SHARPNESS * (affinity - AFFINITY_THRESHOLD)))) continue;
      seenBy[item] = u;
      userIndex[n] = u;
      itemIndex[n] = item;
      weight[n] = rating(random, affinity);
      n++;
      got++;
    }
    if ((u & 255) === 0) input.onProgress(u / userCount);
  }
  userOffsets[userCount] = n;
  return {
    count: n,
    userIndex: userIndex.slice(0, n),
    itemIndex: itemIndex.slice(0, n),
    weight: weight.slice(0, n),
    timestamp: simulateTimestamps(input.timeRandom, userOffsets),
    userOffsets,
  };
}

/** The simulated log covers [SIMULATION_START_MS, SIMULATION_START_MS + SIMULATION_WINDOW_MS). */
export const SIMULATION_START_MS = Date.UTC(2015, 0, 1);
export const SIMULATION_WINDOW_MS = Date.UTC(2025, 0, 1) - SIMULATION_START_MS;
/** A user's active period is this share of the window at least, plus up to ACTIVE_SHARE_SPREAD more. */
const ACTIVE_SHARE_MIN = 0.01;
const ACTIVE_SHARE_SPREAD = 0.5;

/**
 * Timestamps for interactions in user order: each user is active over a random period of the
 * window (a share of 1%..51%, skewed short, starting anywhere it fits) and takes items in the
 * order they were drawn, separated by exponential gaps scaled to fill that period. Whole seconds,
 * as MovieLens has them; strictly increasing within a user (a user's first and last
 * interactions can be the period's ends). Deterministic for a random stream.
 */
export function simulateTimestamps(random: Random, userOffsets: Uint32Array): Float64Array {
  const userCount = userOffsets.length - 1;
  const timestamp = new Float64Array(userOffsets[userCount]!);
  const windowSeconds = SIMULATION_WINDOW_MS / 1000;
  for (let u = 0; u < userCount; u++) {
    const start = userOffsets[u]!;
    const end = userOffsets[u + 1]!;
    const n = end - start;
    const share = ACTIVE_SHARE_MIN + ACTIVE_SHARE_SPREAD * random.uniform() ** 2;
    const spanSeconds = Math.floor(share * windowSeconds);
    const firstSecond = Math.floor(random.uniform() * (windowSeconds - spanSeconds));
    if (n === 0) continue;
    // Cumulative exponential gaps, the last one landing on the period's end.
    let total = 0;
    for (let k = start; k < end; k++) {
      timestamp[k] = total;
      total += -Math.log(1 - random.uniform());
    }
    const scale = n > 1 ? spanSeconds / timestamp[end - 1]! : 0;
    let previous = -1;
    for (let k = start; k < end; k++) {
      // Rounding could tie close neighbours: keep at least one second between them.
      const second = Math.max(previous + 1, Math.floor(timestamp[k]! * scale));
      previous = second;
      timestamp[k] = SIMULATION_START_MS + (firstSecond + second) * 1000;
    }
  }
  return timestamp;
}

interface GenreSampler {
  readonly items: Uint32Array;
  readonly sampler: WeightedSampler;
}

/** Per genre: its items, drawn by the same Zipf popularity as the whole catalog. */
function genreSamplers(itemGenres: readonly Uint8Array[], genreCount: number, rankOf: Uint32Array, weights: Float64Array): (GenreSampler | undefined)[] {
  const counts = new Uint32Array(genreCount);
  for (const genres of itemGenres) for (const g of genres) counts[g]!++;
  const members = Array.from(counts, (c) => new Uint32Array(c));
  const fill = new Uint32Array(genreCount);
  for (let i = 0; i < itemGenres.length; i++) {
    for (const g of itemGenres[i]!) members[g]![fill[g]!++] = i;
  }
  return members.map((items) => {
    if (items.length === 0) return undefined;
    const w = new Float64Array(items.length);
    for (let j = 0; j < items.length; j++) w[j] = weights[rankOf[items[j]!]!]!;
    return { items, sampler: new WeightedSampler(w) };
  });
}

/** A rating in 0.5..5 (half steps), centred on 3.5 for an average accepted item. */
function rating(random: Random, affinity: number): number {
  const raw = 3.5 + 3 * (affinity - 0.5) + 0.7 * random.normal();
  return Math.min(5, Math.max(0.5, Math.round(raw * 2) / 2));
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, length: number): number {
  let sum = 0;
  for (let k = 0; k < length; k++) sum += a[ao + k]! * b[bo + k]!;
  return sum;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
