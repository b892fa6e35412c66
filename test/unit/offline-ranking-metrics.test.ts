import { describe, expect, it } from 'vitest';
import {
  catalogCoverageAtK,
  evaluateRankings,
  excludeSeen,
  hitRateAtK,
  idealDcg,
  ndcgAtK,
  popularityBaseline,
  recallAtK,
} from '../../src/offline/ranking-metrics.ts';
import type { HeldOut } from '../../src/offline/split.ts';

// Three test users: user 0 holds out {5}, user 1 {1, 2}, user 2 {9}.
const test: HeldOut = {
  users: Uint32Array.of(0, 1, 2),
  items: Uint32Array.of(5, 1, 2, 9),
  offsets: Uint32Array.of(0, 1, 3, 4),
};
// User 0 hits at rank 2; user 1 at ranks 1 and 3; user 2 never.
const rankings = [Uint32Array.of(3, 5, 7), Uint32Array.of(2, 4, 1), Uint32Array.of(1, 2, 3)];
const d2 = 1 / Math.log2(3); // discount at rank 2
const d3 = 1 / Math.log2(4); // discount at rank 3 (= 0.5)

describe('ranking metrics on a hand-computed example', () => {
  it('Recall@K = hits / |held-out|, averaged over users', () => {
    expect(recallAtK(rankings, test, 1)).toBeCloseTo((0 + 0.5 + 0) / 3, 12);
    expect(recallAtK(rankings, test, 2)).toBeCloseTo((1 + 0.5 + 0) / 3, 12);
    expect(recallAtK(rankings, test, 3)).toBeCloseTo((1 + 1 + 0) / 3, 12);
    // K beyond the list length counts what the list has.
    expect(recallAtK(rankings, test, 50)).toBeCloseTo(2 / 3, 12);
  });

  it('NDCG@K: binary gains, log2 discount, ideal of min(K, |held-out|) hits', () => {
    expect(idealDcg(2)).toBeCloseTo(1 + d2, 12);
    // K = 1: only user 1 hits at rank 1, and its ideal is 1.
    expect(ndcgAtK(rankings, test, 1)).toBeCloseTo(1 / 3, 12);
    // K = 2: user 0 gets d2 / 1, user 1 gets 1 / (1 + d2).
    expect(ndcgAtK(rankings, test, 2)).toBeCloseTo((d2 + 1 / (1 + d2) + 0) / 3, 12);
    // K = 3: user 1 gets (1 + d3) / (1 + d2).
    expect(ndcgAtK(rankings, test, 3)).toBeCloseTo((d2 + (1 + d3) / (1 + d2) + 0) / 3, 12);
  });

  it('HR@K = share of users with a hit; coverage@K = distinct items / catalog', () => {
    expect(hitRateAtK(rankings, test, 1)).toBeCloseTo(1 / 3, 12);
    expect(hitRateAtK(rankings, test, 2)).toBeCloseTo(2 / 3, 12);
    // Top 2 of each: {3, 5}, {2, 4}, {1, 2} -> 5 distinct of 10.
    expect(catalogCoverageAtK(rankings, 2, 10)).toBeCloseTo(0.5, 12);
    expect(catalogCoverageAtK(rankings, 3, 10)).toBeCloseTo(0.6, 12);
  });

  it('evaluateRankings bundles them and checks the lists line up with the users', () => {
    expect(evaluateRankings(rankings, test, 2, 10)).toEqual({
      users: 3,
      k: 2,
      recall: recallAtK(rankings, test, 2),
      ndcg: ndcgAtK(rankings, test, 2),
      hitRate: hitRateAtK(rankings, test, 2),
      coverage: 0.5,
    });
    expect(() => recallAtK(rankings.slice(0, 2), test, 2)).toThrow(RangeError);
  });

  it('skips users without held-out items instead of counting them as misses', () => {
    const withEmpty: HeldOut = { users: Uint32Array.of(0, 1), items: Uint32Array.of(5), offsets: Uint32Array.of(0, 1, 1) };
    expect(recallAtK([Uint32Array.of(5), Uint32Array.of(1)], withEmpty, 1)).toBe(1);
  });
});

describe('popularityBaseline and excludeSeen', () => {
  it('orders items by train count, ties to the lower index, optionally counting positives only', () => {
    const train = { count: 7, itemIndex: Uint32Array.of(2, 2, 0, 3, 3, 3, 1), rating: Float32Array.of(5, 5, 4, 1, 2, 2, 4) };
    expect(Array.from(popularityBaseline(train, 5))).toEqual([3, 2, 0, 1, 4]);
    expect(Array.from(popularityBaseline(train, 5, { positiveThreshold: 4 }))).toEqual([2, 0, 1, 3, 4]);
  });

  it('excludeSeen keeps the first k unseen items in order', () => {
    expect(Array.from(excludeSeen([5, 1, 7, 3, 9], [1, 3], 2))).toEqual([5, 7]);
    expect(Array.from(excludeSeen([5, 1, 7, 3, 9], [1, 3], 10))).toEqual([5, 7, 9]);
    expect(Array.from(excludeSeen([1, 3], [1, 3], 2))).toEqual([]);
  });
});
