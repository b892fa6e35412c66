import { describe, expect, it } from 'vitest';
import { GENRES, generateSyntheticWorld, type SyntheticWorld } from '../../src/offline/synthetic-data.ts';

const SMALL = { items: 3000, users: 800, dimension: 16 } as const;

function maxNormError(vectors: Float32Array, d: number): number {
  let worst = 0;
  for (let r = 0; r < vectors.length / d; r++) {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += vectors[r * d + j]! ** 2;
    worst = Math.max(worst, Math.abs(Math.sqrt(sum) - 1));
  }
  return worst;
}

function itemCounts(world: SyntheticWorld): Uint32Array {
  const counts = new Uint32Array(world.items.length);
  for (const i of world.interactions.itemIndex) counts[i]!++;
  return counts;
}

describe('generateSyntheticWorld', () => {
  const world = generateSyntheticWorld({ seed: 11, ...SMALL });

  it('is deterministic for a seed', () => {
    const again = generateSyntheticWorld({ seed: 11, ...SMALL });
    expect(again.items).toEqual(world.items);
    expect(again.itemVectors).toEqual(world.itemVectors);
    expect(again.userVectors).toEqual(world.userVectors);
    expect(again.interactions.itemIndex).toEqual(world.interactions.itemIndex);
    expect(again.interactions.weight).toEqual(world.interactions.weight);
  });

  it('differs across seeds', () => {
    const other = generateSyntheticWorld({ seed: 12, ...SMALL });
    expect(other.items.map((i) => i.title)).not.toEqual(world.items.map((i) => i.title));
    expect(other.itemVectors).not.toEqual(world.itemVectors);
    expect(other.interactions.count).not.toBe(world.interactions.count);
  });

  it('names items "1".."M" and users "1".."N"', () => {
    expect(world.items).toHaveLength(SMALL.items);
    world.items.forEach((item, i) => expect(item.id).toBe(String(i + 1)));
    expect(world.userIds).toEqual(Array.from({ length: SMALL.users }, (_, u) => String(u + 1)));
  });

  it('gives items 1-3 known genres, a year in 1950..2024 and a title', () => {
    const known = new Set(GENRES.map((g) => g.name));
    const odd = world.items.filter(
      (item) =>
        item.genres.length < 1 ||
        item.genres.length > 3 ||
        new Set(item.genres).size !== item.genres.length ||
        !item.genres.every((g) => known.has(g)) ||
        item.year === null ||
        item.year < 1950 ||
        item.year > 2024 ||
        !/^[A-Z][A-Za-z -]+$/.test(item.title),
    );
    expect(odd).toEqual([]);
    // Every genre shows up in a catalog this size.
    expect(new Set(world.items.flatMap((i) => i.genres)).size).toBe(GENRES.length);
  });

  it('makes unit-length vectors of the asked dimension', () => {
    expect(world.itemVectors).toHaveLength(SMALL.items * SMALL.dimension);
    expect(world.userVectors).toHaveLength(SMALL.users * SMALL.dimension);
    expect(maxNormError(world.itemVectors, SMALL.dimension)).toBeLessThan(1e-5);
    expect(maxNormError(world.userVectors, SMALL.dimension)).toBeLessThan(1e-5);
  });

  it('has heavy-tailed popularity: the top 10% of items hold over 40% of interactions', () => {
    const sorted = Array.from(itemCounts(world)).sort((a, b) => b - a);
    const top = sorted.slice(0, SMALL.items / 10).reduce((a, b) => a + b, 0);
    expect(top / world.interactions.count).toBeGreaterThan(0.4);
  });

  it('scales popularity to [0, 1], 1 for the most popular item, unrelated to id order', () => {
    const popularity = world.items.map((i) => i.popularity);
    expect(Math.max(...popularity)).toBe(1);
    expect(Math.min(...popularity)).toBeGreaterThanOrEqual(0);
    expect(popularity.filter((p) => p === 1)).toHaveLength(1);
    let rising = 0;
    for (let i = 1; i < popularity.length; i++) if (popularity[i]! > popularity[i - 1]!) rising++;
    // A random permutation rises about half the time; id order would rise never or always.
    expect(rising / (popularity.length - 1)).toBeGreaterThan(0.4);
    expect(rising / (popularity.length - 1)).toBeLessThan(0.6);
    world.items.forEach((item, i) => expect(world.itemPopularity[i]).toBeCloseTo(item.popularity, 6));
  });

  it('draws more interactions for more popular items', () => {
    const counts = itemCounts(world);
    const byPopularity = world.items.map((item, i) => ({ p: item.popularity, c: counts[i]! })).sort((a, b) => b.p - a.p);
    const tenth = SMALL.items / 10;
    const mean = (xs: { c: number }[]): number => xs.reduce((s, x) => s + x.c, 0) / xs.length;
    expect(mean(byPopularity.slice(0, tenth))).toBeGreaterThan(5 * mean(byPopularity.slice(-tenth)));
  });

  it('keeps interactions in user order without duplicate pairs', () => {
    const { userIndex, itemIndex, userOffsets, weight, count } = world.interactions;
    expect(userOffsets[0]).toBe(0);
    expect(userOffsets[SMALL.users]).toBe(count);
    const problems: string[] = [];
    for (let u = 0; u < SMALL.users; u++) {
      const seen = new Set<number>();
      for (let k = userOffsets[u]!; k < userOffsets[u + 1]!; k++) {
        if (userIndex[k] !== u) problems.push(`interaction ${k} belongs to ${userIndex[k]}, not ${u}`);
        if (seen.has(itemIndex[k]!)) problems.push(`user ${u} took item ${itemIndex[k]} twice`);
        seen.add(itemIndex[k]!);
        if (!(weight[k]! >= 0.5 && weight[k]! <= 5)) problems.push(`weight ${weight[k]} out of range`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('makes users interact with items close to their taste', () => {
    // Mean user . item over interactions must beat the mean over random pairs.
    const d = SMALL.dimension;
    const dot = (u: number, i: number): number => {
      let s = 0;
      for (let j = 0; j < d; j++) s += world.userVectors[u * d + j]! * world.itemVectors[i * d + j]!;
      return s;
    };
    let taken = 0;
    let random = 0;
    const n = world.interactions.count;
    for (let k = 0; k < n; k++) {
      taken += dot(world.interactions.userIndex[k]!, world.interactions.itemIndex[k]!);
      random += dot(world.interactions.userIndex[k]!, (k * 7919) % SMALL.items);
    }
    expect(taken / n).toBeGreaterThan(random / n + 0.2);
  });

  it('rejects a dimension outside 16..128', () => {
    expect(() => generateSyntheticWorld({ seed: 1, items: 10, users: 10, dimension: 8 })).toThrow(RangeError);
    expect(() => generateSyntheticWorld({ seed: 1, items: 10, users: 10, dimension: 129 })).toThrow(RangeError);
  });
});
