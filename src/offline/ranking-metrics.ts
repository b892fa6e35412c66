import { innerProductTopK } from './inner-product-top-k.ts';
import type { HeldOut, TrainLog } from './split.ts';

/**
 * Offline ranking metrics for retrieval. Inputs: for each test user t (in `test.users` order),
 * a ranked list of item indices, best first, already without that user's train items (see
 * `excludeSeen`), and their held-out items `test.items[test.offsets[t]..test.offsets[t + 1])`.
 * Every metric is the mean over test users that have at least one held-out item (users with
 * none are skipped; a split never makes them). Lists shorter than K count what they have.
 *
 * - Recall@K = |top K ∩ held-out| / |held-out|.
 * - NDCG@K: binary relevance, DCG = Σ_{hits at rank r (1-based)} 1 / log2(r + 1), divided by the
 *   ideal DCG of min(K, |held-out|) hits at ranks 1..min(K, |held-out|).
 * - HR@K (hit rate) = share of users with at least one held-out item in their top K.
 * - Coverage@K = distinct items in all users' top K / catalog size.
 */

export type Rankings = readonly ArrayLike<number>[];

export interface RankingMetrics {
  readonly users: number;
  readonly k: number;
  readonly recall: number;
  readonly ndcg: number;
  readonly hitRate: number;
  readonly coverage: number;
}

export function recallAtK(rankings: Rankings, test: HeldOut, k: number): number {
  return meanOverUsers(rankings, test, k, (hits, _dcg, relevant) => hits / relevant);
}

export function ndcgAtK(rankings: Rankings, test: HeldOut, k: number): number {
  return meanOverUsers(rankings, test, k, (_hits, dcg, relevant) => dcg / idealDcg(Math.min(k, relevant)));
}

export function hitRateAtK(rankings: Rankings, test: HeldOut, k: number): number {
  return meanOverUsers(rankings, test, k, (hits) => (hits > 0 ? 1 : 0));
}

/** Distinct items among every list's first k, over the catalog size. */
export function catalogCoverageAtK(rankings: Rankings, k: number, itemCount: number): number {
  if (itemCount <= 0) return 0;
  const seen = new Uint8Array(itemCount);
  let distinct = 0;
  for (const ranking of rankings) {
    const n = Math.min(k, ranking.length);
    for (let r = 0; r < n; r++) {
      const item = ranking[r]!;
      if (!seen[item]) {
        seen[item] = 1;
        distinct++;
      }
    }
  }
  return distinct / itemCount;
}

/** Every metric at one K. */
export function evaluateRankings(rankings: Rankings, test: HeldOut, k: number, itemCount: number): RankingMetrics {
  checkAligned(rankings, test);
  let users = 0;
  for (let t = 0; t < test.users.length; t++) if (test.offsets[t + 1]! > test.offsets[t]!) users++;
  return {
    users,
    k,
    recall: recallAtK(rankings, test, k),
    ndcg: ndcgAtK(rankings, test, k),
    hitRate: hitRateAtK(rankings, test, k),
    coverage: catalogCoverageAtK(rankings, k, itemCount),
  };
}

/** Σ_{r=1..n} 1 / log2(r + 1). */
export function idealDcg(n: number): number {
  let sum = 0;
  for (let r = 1; r <= n; r++) sum += 1 / Math.log2(r + 1);
  return sum;
}

/**
 * All items by train popularity, most popular first: counted over train interactions (only
 * those with rating >= `positiveThreshold` when given), ties to the lower item index.
 */
export function popularityBaseline(train: Pick<TrainLog, 'count' | 'itemIndex' | 'rating'>, itemCount: number, options: { positiveThreshold?: number } = {}): Uint32Array {
  const counts = new Float64Array(itemCount);
  const threshold = options.positiveThreshold;
  for (let k = 0; k < train.count; k++) {
    if (threshold === undefined || train.rating[k]! >= threshold) counts[train.itemIndex[k]!]!++;
  }
  const order = new Uint32Array(itemCount);
  for (let i = 0; i < itemCount; i++) order[i] = i;
  return order.sort((a, b) => counts[b]! - counts[a]! || a - b);
}

/** The first k entries of `ranking` that are not in `seen`, in order. */
export function excludeSeen(ranking: ArrayLike<number>, seen: ArrayLike<number>, k: number): Uint32Array {
  const skip = new Set<number>();
  for (let j = 0; j < seen.length; j++) skip.add(seen[j]!);
  const out = new Uint32Array(Math.min(k, ranking.length));
  let n = 0;
  for (let r = 0; r < ranking.length && n < out.length; r++) {
    const item = ranking[r]!;
    if (!skip.has(item)) out[n++] = item;
  }
  return n === out.length ? out : out.slice(0, n);
}

/** The popularity ranking for every test user, their train items removed, k long. */
export function popularityRankings(train: TrainLog, test: HeldOut, k: number, options: { positiveThreshold?: number } = {}): Uint32Array[] {
  const ranking = popularityBaseline(train, train.itemCount, options);
  return Array.from(test.users, (u) => excludeSeen(ranking, seenItems(train, u), k));
}

/**
 * Retrieval by inner product for every test user: the k items with the largest
 * userVectors[u] . itemVectors[i], the user's train items removed (exact, via onnxruntime;
 * ties to the lower item index).
 */
export async function innerProductRankings(
  train: TrainLog,
  test: HeldOut,
  userVectors: Float32Array,
  itemVectors: Float32Array,
  dimension: number,
  k: number,
): Promise<Uint32Array[]> {
  let maxSeen = 0;
  for (const u of test.users) maxSeen = Math.max(maxSeen, train.userOffsets[u + 1]! - train.userOffsets[u]!);
  const itemCount = itemVectors.length / dimension;
  const depth = Math.min(itemCount, k + maxSeen);
  const top = await innerProductTopK({ queries: userVectors, queryRows: test.users, vectors: itemVectors, dimension, k: depth });
  return top.map((result, t) => excludeSeen(result.indices, seenItems(train, test.users[t]!), k));
}

function seenItems(train: TrainLog, user: number): Uint32Array {
  return train.itemIndex.subarray(train.userOffsets[user]!, train.userOffsets[user + 1]!);
}

function meanOverUsers(rankings: Rankings, test: HeldOut, k: number, score: (hits: number, dcg: number, relevant: number) => number): number {
  checkAligned(rankings, test);
  let sum = 0;
  let users = 0;
  for (let t = 0; t < test.users.length; t++) {
    const start = test.offsets[t]!;
    const end = test.offsets[t + 1]!;
    if (end === start) continue;
    const relevant = new Set<number>();
    for (let j = start; j < end; j++) relevant.add(test.items[j]!);
    const ranking = rankings[t]!;
    const n = Math.min(k, ranking.length);
    let hits = 0;
    let dcg = 0;
    for (let r = 0; r < n; r++) {
      if (relevant.has(ranking[r]!)) {
        hits++;
        dcg += 1 / Math.log2(r + 2);
      }
    }
    sum += score(hits, dcg, relevant.size);
    users++;
  }
  return users === 0 ? 0 : sum / users;
}

function checkAligned(rankings: Rankings, test: HeldOut): void {
  if (rankings.length !== test.users.length) throw new RangeError(`${rankings.length} rankings for ${test.users.length} test users`);
}
