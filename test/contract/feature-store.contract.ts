import { describe, expect, it } from 'vitest';
import type { Artifacts } from '../../src/offline/artifacts.ts';
import type { FeatureStore } from '../../src/ports/feature-store.ts';
import { readItemFeatureColumns } from '../../src/pipeline/item-feature-columns.ts';

export interface ExpectedFeatures {
  userId: string;
  userVector: Float32Array;
  itemId: string;
  itemVector: Float32Array;
  popularity: number;
  genreMask: number;
  year: number | null;
  headUserId: string;
}

/** What a store loaded from `artifacts` must answer for a sample user, item and head user. */
export function expectedFeatures(artifacts: Artifacts): ExpectedFeatures {
  const d = artifacts.manifest.dimension;
  const item = artifacts.items[7]!;
  return {
    userId: artifacts.userIds[3]!,
    userVector: artifacts.userVectors.slice(3 * d, 4 * d),
    itemId: item.id,
    itemVector: artifacts.itemVectors.slice(7 * d, 8 * d),
    popularity: item.popularity,
    genreMask: item.genres.reduce((m, g) => m | (1 << artifacts.manifest.genres.indexOf(g)), 0),
    year: item.year,
    headUserId: [...artifacts.precomputed.keys()][0]!,
  };
}

/** What any FeatureStore must do, given a store loaded with `expected`. Run per adapter. */
export function featureStoreContract(
  name: string,
  open: () => Promise<{ store: FeatureStore; expected: ExpectedFeatures }>,
): void {
  describe(`FeatureStore contract: ${name}`, () => {
    it('answers a batch in key order, with null for unknown keys', async () => {
      const { store, expected } = await open();
      const users = await store.getUserFeatures(['no-such-user', expected.userId]);
      expect(users[0]).toBeNull();
      expect(Array.from(users[1]!.vector)).toEqual(Array.from(expected.userVector));
      expect(users[1]!.genreProfile).toHaveLength(store.genres.length);
      const items = await store.getItemFeatures([expected.itemId, 'no-such-item', expected.itemId]);
      expect(items).toHaveLength(3);
      expect(Array.from(items[0]!.vector)).toEqual(Array.from(expected.itemVector));
      expect(items[0]!.popularity).toBeCloseTo(expected.popularity, 6);
      expect(items[0]!.genreMask).toBe(expected.genreMask);
      expect(items[0]!.year).toBe(expected.year);
      expect(items[1]).toBeNull();
      expect(Array.from(items[2]!.vector)).toEqual(Array.from(expected.itemVector));
    });

    it('takes row hints as hints only: a right one, a wrong one, -1 and one past the end answer as the id does', async () => {
      const { store, expected } = await open();
      // Row 7 is the sample item's row in the catalog order (expectedFeatures); row 3 holds another item.
      const ids = [expected.itemId, expected.itemId, expected.itemId, expected.itemId, 'no-such-item'];
      const columns = await readItemFeatureColumns(store, ids, Int32Array.of(7, 3, -1, 1 << 30, 7));
      for (let i = 0; i < 4; i++) {
        const start = columns.vectorStart[i]!;
        expect(Array.from(columns.vectors.subarray(start, start + store.dimension))).toEqual(Array.from(expected.itemVector));
        expect(columns.genreMask[i]).toBe(expected.genreMask);
        expect(columns.year[i]).toEqual(expected.year ?? Number.NaN);
      }
      expect(columns.vectorStart[4]).toBe(-1);
    });

    it('answers in columns what it answers per item (its own columns, or getItemFeatures packed)', async () => {
      const { store, expected } = await open();
      const ids = [expected.itemId, 'no-such-item', expected.itemId];
      const perItem = await store.getItemFeatures(ids);
      const columns = await readItemFeatureColumns(store, ids, Int32Array.of(7, 7, 3));
      expect(columns.vectorStart[1]).toBe(-1);
      for (const i of [0, 2]) {
        const start = columns.vectorStart[i]!;
        expect(Array.from(columns.vectors.subarray(start, start + store.dimension))).toEqual(Array.from(perItem[i]!.vector));
        expect(columns.popularity[i]).toBe(perItem[i]!.popularity);
        expect(columns.genreMask[i]).toBe(perItem[i]!.genreMask);
        expect(columns.year[i]).toEqual(perItem[i]!.year ?? Number.NaN);
      }
    });

    it('has vectors of its dimension', async () => {
      const { store, expected } = await open();
      const [user] = await store.getUserFeatures([expected.userId]);
      expect(user!.vector).toHaveLength(store.dimension);
      const profileSum = user!.genreProfile.reduce((a, b) => a + b, 0);
      expect(profileSum === 0 || Math.abs(profileSum - 1) < 1e-4).toBe(true);
    });

    it('serves precomputed lists for head users, best first, and null for others', async () => {
      const { store, expected } = await open();
      const list = await store.getPrecomputed(expected.headUserId);
      expect(list!.length).toBeGreaterThan(0);
      const scores = list!.map((e) => e.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(await store.getPrecomputed('no-such-user')).toBeNull();
    });

    it('answers an empty batch with an empty array', async () => {
      const { store } = await open();
      expect(await store.getItemFeatures([])).toEqual([]);
      expect(await store.getUserFeatures([])).toEqual([]);
    });
  });
}
