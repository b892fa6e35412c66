import type { Dataset, InteractionLog } from './dataset.ts';

/**
 * Train/test splits for offline evaluation of retrieval. Both are deterministic functions of
 * the dataset (no randomness) and read its interactions in their Dataset order: by user, then
 * timestamp, then item id (numeric when numeric).
 *
 * A "positive" is an interaction with rating >= positiveThreshold (4 by default: on MovieLens'
 * 0.5..5 scale, "liked"). Only positives are ever held out; train keeps every kind.
 */

/** The training part: the dataset's interaction order, user offsets over the same user indices. */
export interface TrainLog extends InteractionLog {
  /** userCount + 1 entries: user u's train interactions are [userOffsets[u], userOffsets[u + 1]). */
  readonly userOffsets: Uint32Array;
  readonly userCount: number;
  readonly itemCount: number;
}

/** Held-out positives: test user users[t] has items[offsets[t]..offsets[t + 1]). */
export interface HeldOut {
  /** Ascending user indices. */
  readonly users: Uint32Array;
  readonly items: Uint32Array;
  /** users.length + 1 entries. */
  readonly offsets: Uint32Array;
}

export interface Split {
  readonly kind: 'leave-last-out' | 'time';
  readonly description: string;
  readonly positiveThreshold: number;
  readonly train: TrainLog;
  readonly test: HeldOut;
  /** Interactions in neither part (leave-last-out: after the held-out one; time: at/after the cut). */
  readonly dropped: number;
}

export interface LeaveLastOutOptions {
  readonly positiveThreshold?: number;
}

export interface TimeSplitOptions {
  /** Epoch ms: train is everything strictly before it. */
  readonly cutTimestampMs: number;
  readonly positiveThreshold?: number;
}

export const DEFAULT_POSITIVE_THRESHOLD = 4;

/**
 * Leave-last-out, per user:
 * - the held-out item is the user's last positive in Dataset order, i.e. the latest by timestamp
 *   and, among positives sharing that timestamp, the one with the largest item id (numeric
 *   order for numeric ids: on MovieLens, the largest movieId);
 * - train gets every other interaction of the user with timestamp <= the held-out one's
 *   (including same-second ones ordered after it); later interactions are dropped, since
 *   training on them would leak the future;
 * - users with no positive, with fewer than 2 interactions, or whose only interactions at or
 *   before the held-out one is the held-out one itself (no history to predict from) are not
 *   tested: all their interactions go to train.
 * So every test user has exactly one held-out item, which is not among their train items
 * unless they interacted with the same item twice (MovieLens never does).
 */
export function splitLeaveLastOut(dataset: Dataset, options: LeaveLastOutOptions = {}): Split {
  const threshold = options.positiveThreshold ?? DEFAULT_POSITIVE_THRESHOLD;
  const { userOffsets } = dataset;
  const { rating, timestamp } = dataset.interactions;
  const userCount = dataset.userIds.length;
  const keep = new Uint8Array(dataset.interactions.count);
  const heldIndex = new Int32Array(userCount).fill(-1);
  let testUsers = 0;
  for (let u = 0; u < userCount; u++) {
    const start = userOffsets[u]!;
    const end = userOffsets[u + 1]!;
    let held = -1;
    if (end - start >= 2) for (let k = end - 1; k >= start && held < 0; k--) if (rating[k]! >= threshold) held = k;
    // With a held-out interaction, history is what comes at or before it, itself excluded.
    if (held > start || (held === start && timestamp[start + 1]! <= timestamp[held]!)) {
      heldIndex[u] = held;
      testUsers++;
      for (let k = start; k < end; k++) if (k !== held && timestamp[k]! <= timestamp[held]!) keep[k] = 1;
    } else {
      keep.fill(1, start, end);
    }
  }
  const train = selectTrain(dataset, keep);
  const users = new Uint32Array(testUsers);
  const items = new Uint32Array(testUsers);
  const offsets = new Uint32Array(testUsers + 1);
  let t = 0;
  for (let u = 0; u < userCount; u++) {
    const held = heldIndex[u]!;
    if (held < 0) continue;
    users[t] = u;
    items[t] = dataset.interactions.itemIndex[held]!;
    t++;
    offsets[t] = t;
  }
  return {
    kind: 'leave-last-out',
    description: `leave-last-out (positive = rating >= ${threshold}; ties on timestamp go to the larger item id)`,
    positiveThreshold: threshold,
    train,
    test: { users, items, offsets },
    dropped: dataset.interactions.count - train.count - testUsers,
  };
}

/**
 * Global time cut:
 * - train = every interaction with timestamp < cutTimestampMs;
 * - test = for each user with at least one train interaction, their positives with timestamp
 *   >= the cut, keeping only items that have at least one train interaction (by anyone: a
 *   retrieval model cannot rank items it never saw) and that the user has not already got in
 *   train; each item once, in the user's Dataset order (first occurrence);
 * - users left with no test item are not tested; interactions at/after the cut are otherwise
 *   dropped.
 */
export function splitByTime(dataset: Dataset, options: TimeSplitOptions): Split {
  const threshold = options.positiveThreshold ?? DEFAULT_POSITIVE_THRESHOLD;
  const cut = options.cutTimestampMs;
  if (!Number.isFinite(cut)) throw new RangeError(`cutTimestampMs must be a finite number, got ${cut}`);
  const { userOffsets } = dataset;
  const { rating, timestamp, itemIndex } = dataset.interactions;
  const userCount = dataset.userIds.length;
  const itemCount = dataset.items.length;
  const n = dataset.interactions.count;
  const keep = new Uint8Array(n);
  const seenInTrain = new Uint8Array(itemCount);
  for (let k = 0; k < n; k++) {
    if (timestamp[k]! < cut) {
      keep[k] = 1;
      seenInTrain[itemIndex[k]!] = 1;
    }
  }
  const train = selectTrain(dataset, keep);

  const users: number[] = [];
  const items: number[] = [];
  const offsets: number[] = [0];
  // mark[item] = 2u+1 when user u has it in train, 2u+2 once it is already in u's test list.
  const mark = new Float64Array(itemCount);
  for (let u = 0; u < userCount; u++) {
    const start = train.userOffsets[u]!;
    const end = train.userOffsets[u + 1]!;
    if (end === start) continue;
    for (let k = start; k < end; k++) mark[train.itemIndex[k]!] = 2 * u + 1;
    const before = items.length;
    for (let k = userOffsets[u]!; k < userOffsets[u + 1]!; k++) {
      if (timestamp[k]! < cut || rating[k]! < threshold) continue;
      const item = itemIndex[k]!;
      if (!seenInTrain[item] || mark[item] === 2 * u + 1 || mark[item] === 2 * u + 2) continue;
      mark[item] = 2 * u + 2;
      items.push(item);
    }
    if (items.length > before) {
      users.push(u);
      offsets.push(items.length);
    }
  }
  const heldOut = items.length;
  return {
    kind: 'time',
    description: `time cut at ${new Date(cut).toISOString()} (positive = rating >= ${threshold})`,
    positiveThreshold: threshold,
    train,
    test: { users: Uint32Array.from(users), items: Uint32Array.from(items), offsets: Uint32Array.from(offsets) },
    dropped: n - train.count - heldOut,
  };
}

/** The train items of user u (a view, in train order). */
export function trainItemsOf(train: TrainLog, user: number): Uint32Array {
  return train.itemIndex.subarray(train.userOffsets[user]!, train.userOffsets[user + 1]!);
}

/** The held-out items of test user number t (a view). */
export function heldOutItemsOf(test: HeldOut, t: number): Uint32Array {
  return test.items.subarray(test.offsets[t]!, test.offsets[t + 1]!);
}

/** The whole dataset as a TrainLog (e.g. to train the shipped embeddings on everything). */
export function allAsTrain(dataset: Dataset): TrainLog {
  return { ...dataset.interactions, userOffsets: dataset.userOffsets, userCount: dataset.userIds.length, itemCount: dataset.items.length };
}

function selectTrain(dataset: Dataset, keep: Uint8Array): TrainLog {
  const source = dataset.interactions;
  let count = 0;
  for (let k = 0; k < source.count; k++) count += keep[k]!;
  const userCount = dataset.userIds.length;
  const userIndex = new Uint32Array(count);
  const itemIndex = new Uint32Array(count);
  const rating = new Float32Array(count);
  const timestamp = new Float64Array(count);
  const userOffsets = new Uint32Array(userCount + 1);
  let j = 0;
  for (let u = 0; u < userCount; u++) {
    userOffsets[u] = j;
    for (let k = dataset.userOffsets[u]!; k < dataset.userOffsets[u + 1]!; k++) {
      if (!keep[k]) continue;
      userIndex[j] = u;
      itemIndex[j] = source.itemIndex[k]!;
      rating[j] = source.rating[k]!;
      timestamp[j] = source.timestamp[k]!;
      j++;
    }
  }
  userOffsets[userCount] = j;
  return { count, userIndex, itemIndex, rating, timestamp, userOffsets, userCount, itemCount: dataset.items.length };
}
