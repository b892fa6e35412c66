import type { CatalogItem } from '../ports/catalog.ts';

/**
 * The one shape every data source (MovieLens CSV, the synthetic generator) produces for the
 * offline pipeline: a catalog, users, and their interactions in a fixed order.
 */

/** Parallel arrays, one entry per interaction. */
export interface InteractionLog {
  readonly count: number;
  readonly userIndex: Uint32Array;
  readonly itemIndex: Uint32Array;
  /** Explicit rating (MovieLens: 0.5..5), or an implicit weight. */
  readonly rating: Float32Array;
  /** Epoch milliseconds. */
  readonly timestamp: Float64Array;
}

export interface Dataset {
  readonly source: { readonly kind: 'synthetic' | 'movielens'; readonly description: string };
  readonly genres: readonly string[];
  /** Row i = item index i; popularity from interaction counts, log-scaled to [0, 1] (see `logPopularity`). */
  readonly items: readonly CatalogItem[];
  /** Bit g set when the item has genres[g] (at most 32 genres). */
  readonly itemGenreMask: Uint32Array;
  /** Row u = user index u. */
  readonly userIds: readonly string[];
  /** Sorted by user, then timestamp, then item id (numerically when every id is numeric). */
  readonly interactions: InteractionLog;
  /** userCount + 1 entries: user u's interactions are [userOffsets[u], userOffsets[u + 1]). */
  readonly userOffsets: Uint32Array;
}

export const MAX_GENRES = 32;

/** An item before its popularity is known. */
export type ItemMetadata = Omit<CatalogItem, 'popularity'>;

export interface DatasetParts {
  readonly source: Dataset['source'];
  readonly genres: readonly string[];
  readonly items: readonly ItemMetadata[];
  readonly userIds: readonly string[];
  /** Interactions in any order; they are sorted here. */
  readonly interactions: InteractionLog;
}

/**
 * Builds a Dataset from its parts: sorts the interactions (user, then timestamp, then item id),
 * computes user offsets, item popularity (from interaction counts) and genre masks. Checks that
 * every index is in range and every genre is listed.
 */
export function assembleDataset(parts: DatasetParts): Dataset {
  const { genres, items, userIds, interactions } = parts;
  if (genres.length > MAX_GENRES) throw new RangeError(`at most ${MAX_GENRES} genres are supported, got ${genres.length}`);
  const itemCount = items.length;
  const userCount = userIds.length;
  const n = interactions.count;
  for (const [name, array] of [
    ['userIndex', interactions.userIndex],
    ['itemIndex', interactions.itemIndex],
    ['rating', interactions.rating],
    ['timestamp', interactions.timestamp],
  ] as const) {
    if (array.length < n) throw new RangeError(`interactions.${name} has ${array.length} entries, fewer than count ${n}`);
  }

  // Counting sort by user, then each user's slice by (timestamp, item order).
  const userOffsets = new Uint32Array(userCount + 1);
  for (let k = 0; k < n; k++) {
    const u = interactions.userIndex[k]!;
    const i = interactions.itemIndex[k]!;
    if (u >= userCount) throw new RangeError(`interaction ${k}: user index ${u} out of range (${userCount} users)`);
    if (i >= itemCount) throw new RangeError(`interaction ${k}: item index ${i} out of range (${itemCount} items)`);
    userOffsets[u + 1]!++;
  }
  for (let u = 0; u < userCount; u++) userOffsets[u + 1]! += userOffsets[u]!;
  const order = new Uint32Array(n);
  const fill = userOffsets.slice(0, userCount);
  for (let k = 0; k < n; k++) order[fill[interactions.userIndex[k]!]!++] = k;
  const itemRank = itemIdOrder(items.map((item) => item.id));
  const ts = interactions.timestamp;
  const compare = (a: number, b: number): number => ts[a]! - ts[b]! || itemRank[interactions.itemIndex[a]!]! - itemRank[interactions.itemIndex[b]!]! || a - b;
  for (let u = 0; u < userCount; u++) {
    const slice = order.subarray(userOffsets[u]!, userOffsets[u + 1]!);
    if (!isSorted(slice, compare)) slice.sort(compare);
  }

  const userIndex = new Uint32Array(n);
  const itemIndex = new Uint32Array(n);
  const rating = new Float32Array(n);
  const timestamp = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const k = order[j]!;
    userIndex[j] = interactions.userIndex[k]!;
    itemIndex[j] = interactions.itemIndex[k]!;
    rating[j] = interactions.rating[k]!;
    timestamp[j] = interactions.timestamp[k]!;
  }

  const counts = new Uint32Array(itemCount);
  for (let j = 0; j < n; j++) counts[itemIndex[j]!]!++;
  const popularity = logPopularity(counts);
  const genreIndex = new Map(genres.map((g, i) => [g, i]));
  const itemGenreMask = new Uint32Array(itemCount);
  const catalog: CatalogItem[] = new Array(itemCount);
  for (let i = 0; i < itemCount; i++) {
    const item = items[i]!;
    let mask = 0;
    for (const g of item.genres) {
      const index = genreIndex.get(g);
      if (index === undefined) throw new RangeError(`item ${item.id}: genre "${g}" is not in the genre list`);
      mask |= 1 << index;
    }
    itemGenreMask[i] = mask >>> 0;
    catalog[i] = { id: item.id, title: item.title, genres: item.genres, popularity: popularity[i]!, year: item.year };
  }
  return {
    source: parts.source,
    genres,
    items: catalog,
    itemGenreMask,
    userIds,
    interactions: { count: n, userIndex, itemIndex, rating, timestamp },
    userOffsets,
  };
}

/**
 * Popularity in [0, 1] from interaction counts: log(1 + count) / log(1 + max count), rounded to
 * 6 decimals. 1 for the most interacted-with item(s), 0 for items nobody touched.
 */
export function logPopularity(counts: ArrayLike<number>): Float64Array {
  let max = 0;
  for (let i = 0; i < counts.length; i++) max = Math.max(max, counts[i]!);
  const out = new Float64Array(counts.length);
  if (max === 0) return out;
  const scale = 1 / Math.log1p(max);
  for (let i = 0; i < counts.length; i++) out[i] = Math.round(Math.log1p(counts[i]!) * scale * 1e6) / 1e6;
  return out;
}

/**
 * Rank of each item id in sort order: numeric order when every id is a decimal number, else
 * string (code unit) order. Used as the last sort key of interactions and the split's tie-break.
 */
export function itemIdOrder(ids: readonly string[]): Uint32Array {
  const numeric = ids.every((id) => /^\d+$/.test(id));
  const positions = Array.from(ids, (_, i) => i);
  if (numeric) {
    const values = ids.map(Number);
    positions.sort((a, b) => values[a]! - values[b]! || a - b);
  } else {
    positions.sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : a - b));
  }
  const rank = new Uint32Array(ids.length);
  positions.forEach((item, r) => (rank[item] = r));
  return rank;
}

/** Interactions per item over a log (or the first `count` entries of it). */
export function itemInteractionCounts(log: Pick<InteractionLog, 'count' | 'itemIndex'>, itemCount: number): Uint32Array {
  const counts = new Uint32Array(itemCount);
  for (let k = 0; k < log.count; k++) counts[log.itemIndex[k]!]!++;
  return counts;
}

/**
 * A dataset restricted to a set of users (e.g. the first 100 for a small fixture): same catalog
 * and genres, users renumbered in the given order, item popularity recomputed.
 */
export function subsetUsers(dataset: Dataset, users: ArrayLike<number>): Dataset {
  let n = 0;
  for (let j = 0; j < users.length; j++) n += dataset.userOffsets[users[j]! + 1]! - dataset.userOffsets[users[j]!]!;
  const userIndex = new Uint32Array(n);
  const itemIndex = new Uint32Array(n);
  const rating = new Float32Array(n);
  const timestamp = new Float64Array(n);
  const userIds: string[] = [];
  let k = 0;
  for (let j = 0; j < users.length; j++) {
    const u = users[j]!;
    userIds.push(dataset.userIds[u]!);
    for (let s = dataset.userOffsets[u]!; s < dataset.userOffsets[u + 1]!; s++, k++) {
      userIndex[k] = j;
      itemIndex[k] = dataset.interactions.itemIndex[s]!;
      rating[k] = dataset.interactions.rating[s]!;
      timestamp[k] = dataset.interactions.timestamp[s]!;
    }
  }
  return assembleDataset({
    source: { kind: dataset.source.kind, description: `${dataset.source.description} (${users.length} users)` },
    genres: dataset.genres,
    items: dataset.items,
    userIds,
    interactions: { count: n, userIndex, itemIndex, rating, timestamp },
  });
}

function isSorted(slice: Uint32Array, compare: (a: number, b: number) => number): boolean {
  for (let j = 1; j < slice.length; j++) if (compare(slice[j - 1]!, slice[j]!) > 0) return false;
  return true;
}
