import { describe, expect, it } from 'vitest';
import { assembleDataset, type Dataset } from '../../src/offline/dataset.ts';
import { allAsTrain, heldOutItemsOf, splitByTime, splitLeaveLastOut, trainItemsOf } from '../../src/offline/split.ts';
import { generateSyntheticWorld } from '../../src/offline/synthetic-data.ts';
import { datasetFromSyntheticWorld } from '../../src/offline/synthetic-dataset.ts';
import { COLD_ITEM_NORM, trainEmbeddings } from '../../src/offline/train-embeddings.ts';

// Item ids chosen so numeric and string order differ ("9" < "10" < "100" numerically).
const ITEM_IDS = ['100', '10', '9', '30', '40'];

/** [user, itemId, rating, timestamp] rows in scrambled order. */
function dataset(rows: [number, string, number, number][], users = 6): Dataset {
  const item = (id: string) => ITEM_IDS.indexOf(id);
  return assembleDataset({
    source: { kind: 'synthetic', description: 'hand-made' },
    genres: ['Drama', 'Comedy'],
    items: ITEM_IDS.map((id, i) => ({ id, title: `Item ${id}`, genres: i % 2 === 0 ? ['Drama'] : ['Comedy', 'Drama'], year: null })),
    userIds: Array.from({ length: users }, (_, u) => `u${u}`),
    interactions: {
      count: rows.length,
      userIndex: Uint32Array.from(rows, (r) => r[0]),
      itemIndex: Uint32Array.from(rows, (r) => item(r[1])),
      rating: Float32Array.from(rows, (r) => r[2]),
      timestamp: Float64Array.from(rows, (r) => r[3]),
    },
  });
}

const HAND = dataset([
  // User 0: last positive is "30" at t=3; "40" at t=4 comes later and must not reach train.
  [0, '40', 2, 4],
  [0, '10', 5, 1],
  [0, '30', 4, 3],
  [0, '9', 3, 2],
  // User 1: "9" and "10" and "100" tie at t=7; the held-out one is the largest numeric id, "100".
  [1, '10', 4, 7],
  [1, '100', 4.5, 7],
  [1, '9', 5, 7],
  [1, '30', 4, 5],
  // User 2: no positive. User 3: a single interaction.
  [2, '9', 3, 1],
  [2, '10', 2, 2],
  [3, '9', 5, 1],
  // User 4: the only positive comes first, nothing before it: no history to predict from.
  [4, '9', 5, 1],
  [4, '10', 2, 5],
  // User 5: nothing at all.
]);

const ids = (d: Dataset, items: ArrayLike<number>) => Array.from(items, (i) => d.items[i]!.id);

describe('assembleDataset', () => {
  it('sorts by user, timestamp, then numeric item id, with offsets per user', () => {
    const { interactions, userOffsets } = HAND;
    expect(Array.from(userOffsets)).toEqual([0, 4, 8, 10, 11, 13, 13]);
    expect(ids(HAND, interactions.itemIndex.subarray(0, 4))).toEqual(['10', '9', '30', '40']);
    expect(ids(HAND, interactions.itemIndex.subarray(4, 8))).toEqual(['30', '9', '10', '100']);
    expect(Array.from(interactions.timestamp.subarray(4, 8))).toEqual([5, 7, 7, 7]);
  });

  it('derives log-scaled popularity from counts and genre masks', () => {
    // Counts: "9" 5, "10" 4, "30" 2, "100" 1, "40" 1.
    const byId = Object.fromEntries(HAND.items.map((item) => [item.id, item.popularity]));
    expect(byId['9']).toBe(1);
    expect(byId['10']).toBeCloseTo(Math.log(5) / Math.log(6), 6);
    expect(byId['100']).toBeCloseTo(Math.log(2) / Math.log(6), 6);
    expect(Array.from(HAND.itemGenreMask)).toEqual([1, 3, 1, 3, 1]);
  });

  it('rejects out-of-range indices and unknown genres', () => {
    expect(() => dataset([[9, '9', 4, 1]])).toThrow(/user index 9/);
    expect(() =>
      assembleDataset({ source: HAND.source, genres: [], items: [{ id: '1', title: 'x', genres: ['Drama'], year: null }], userIds: [], interactions: HAND.interactions }),
    ).toThrow();
  });
});

describe('splitLeaveLastOut', () => {
  const split = splitLeaveLastOut(HAND);

  it('holds out each eligible user\'s last positive, ties to the larger numeric item id', () => {
    expect(Array.from(split.test.users)).toEqual([0, 1]);
    expect(ids(HAND, heldOutItemsOf(split.test, 0))).toEqual(['30']);
    expect(ids(HAND, heldOutItemsOf(split.test, 1))).toEqual(['100']);
    expect(Array.from(split.test.offsets)).toEqual([0, 1, 2]);
  });

  it('trains on everything at or before the held-out time, nothing after', () => {
    expect(ids(HAND, trainItemsOf(split.train, 0))).toEqual(['10', '9']);
    // Same-second interactions stay in train, whatever their order.
    expect(ids(HAND, trainItemsOf(split.train, 1))).toEqual(['30', '9', '10']);
    expect(split.dropped).toBe(1); // user 0's "40" at t=4
  });

  it('keeps users without a positive, with one interaction, or with no history in train only', () => {
    expect(ids(HAND, trainItemsOf(split.train, 2))).toEqual(['9', '10']);
    expect(ids(HAND, trainItemsOf(split.train, 3))).toEqual(['9']);
    expect(ids(HAND, trainItemsOf(split.train, 4))).toEqual(['9', '10']);
    expect(trainItemsOf(split.train, 5)).toHaveLength(0);
    expect(split.train.count + split.test.items.length + split.dropped).toBe(HAND.interactions.count);
  });

  it('honours the positive threshold', () => {
    // With 5 as the bar, user 1's last positive is "9" and user 0's is "10" (no history: train only).
    const strict = splitLeaveLastOut(HAND, { positiveThreshold: 5 });
    expect(Array.from(strict.test.users)).toEqual([1]);
    expect(ids(HAND, heldOutItemsOf(strict.test, 0))).toEqual(['9']);
    expect(ids(HAND, trainItemsOf(strict.train, 1))).toEqual(['30', '10', '100']);
  });
});

describe('splitByTime', () => {
  it('trains before the cut and tests later positives of known users on known, unseen items', () => {
    const split = splitByTime(HAND, { cutTimestampMs: 3 });
    // Train: user 0 "10"(1) "9"(2), user 2 both, user 3, user 4 "9"(1).
    expect(split.train.count).toBe(6);
    // User 0's "30" (t=3) is positive but no one had it in train; "40" is rated 2. User 1 has
    // no train history; user 4's "10" is rated 2. So nobody is tested.
    expect(Array.from(split.test.users)).toEqual([]);
    expect(Array.from(split.test.offsets)).toEqual([0]);
    expect(split.dropped).toBe(HAND.interactions.count - 6);
  });

  it('keeps items seen in train (by anyone) and drops the user\'s own train items', () => {
    const split = splitByTime(HAND, { cutTimestampMs: 6 });
    // Train: everything before t=6, including user 1's "30" (t=5). Test: user 1 has "9", "10", "100" at t=7
    // but "100" was never in train; user 0's "40" is not positive.
    expect(Array.from(split.test.users)).toEqual([1]);
    expect(ids(HAND, heldOutItemsOf(split.test, 0))).toEqual(['9', '10']);
    expect(split.train.count + split.test.items.length + split.dropped).toBe(HAND.interactions.count);
  });
});

describe('datasetFromSyntheticWorld', () => {
  const options = { seed: 5, items: 1500, users: 400, dimension: 16 } as const;
  const world = generateSyntheticWorld(options);
  const data = datasetFromSyntheticWorld(world);

  it('keeps the world\'s catalog, users and interactions, with increasing timestamps per user', () => {
    expect(data.source.kind).toBe('synthetic');
    expect(data.items.map((i) => i.id)).toEqual(world.items.map((i) => i.id));
    expect(data.userIds).toEqual(world.userIds);
    expect(data.interactions.count).toBe(world.interactions.count);
    expect(Array.from(data.userOffsets)).toEqual(Array.from(world.interactions.userOffsets));
    // Timestamps increase in the world's drawing order, so the Dataset order is the world's order.
    expect(Array.from(data.interactions.itemIndex)).toEqual(Array.from(world.interactions.itemIndex));
    let decreasing = 0;
    for (let u = 0; u < options.users; u++) {
      for (let k = data.userOffsets[u]! + 1; k < data.userOffsets[u + 1]!; k++) if (data.interactions.timestamp[k]! <= data.interactions.timestamp[k - 1]!) decreasing++;
    }
    expect(decreasing).toBe(0);
    const ts = Array.from(data.interactions.timestamp);
    expect(Math.min(...ts)).toBeGreaterThanOrEqual(Date.UTC(2015, 0, 1));
    expect(Math.max(...ts)).toBeLessThan(Date.UTC(2025, 0, 1));
    expect(ts.every((t) => t % 1000 === 0)).toBe(true);
  });

  it('is deterministic, timestamps included', () => {
    const again = generateSyntheticWorld(options);
    expect(again.interactions.timestamp).toEqual(world.interactions.timestamp);
    expect(generateSyntheticWorld({ ...options, seed: 6 }).interactions.timestamp).not.toEqual(world.interactions.timestamp);
  });

  it('splits and trains: unit warm items, small cold items, unit users, no NaN, reproducible', () => {
    const split = splitLeaveLastOut(data);
    expect(split.test.users.length).toBeGreaterThan(300);
    const a = trainEmbeddings(split.train, { dimension: 16, iterations: 4, seed: 3, itemGenreMask: data.itemGenreMask });
    const b = trainEmbeddings(split.train, { dimension: 16, iterations: 4, seed: 3, itemGenreMask: data.itemGenreMask });
    expect(a.itemVectors).toEqual(b.itemVectors);
    expect(a.userVectors).toEqual(b.userVectors);
    expect(a.coldItems).toBeGreaterThan(0);
    const norms = (v: Float32Array, d: number) => Array.from({ length: v.length / d }, (_, r) => Math.hypot(...v.subarray(r * d, (r + 1) * d)));
    const itemNorms = norms(a.itemVectors, 16);
    expect(itemNorms.every((n) => Math.abs(n - 1) < 1e-5 || Math.abs(n - COLD_ITEM_NORM) < 1e-6)).toBe(true);
    expect(itemNorms.filter((n) => Math.abs(n - COLD_ITEM_NORM) < 1e-6)).toHaveLength(a.coldItems);
    expect(norms(a.userVectors, 16).every((n) => Math.abs(n - 1) < 1e-5)).toBe(true);
    const c = trainEmbeddings(allAsTrain(data), { dimension: 16, iterations: 4, seed: 4 });
    expect(c.itemVectors).not.toEqual(a.itemVectors);
  });
});
