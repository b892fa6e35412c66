import { describe, expect, it } from 'vitest';
import { ExactScanIndex } from '../../src/adapters/ann/exact-scan-index.ts';
import { TopK } from '../../src/pipeline/top-k.ts';

function randomVectors(n: number, d: number, seed: number): Float32Array {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return Float32Array.from({ length: n * d }, next);
}

describe('TopK', () => {
  it('keeps exactly the k largest, best first', () => {
    const scores = Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const top = new TopK(25);
    scores.forEach((s, i) => top.push(i, s));
    const expected = scores.map((score, id) => ({ id, score })).sort((a, b) => b.score - a.score).slice(0, 25);
    expect(Array.from(top.result().indices)).toEqual(expected.map((e) => e.id));
  });
});

describe('ExactScanIndex', () => {
  it('returns the true top-k by inner product', async () => {
    const n = 2000;
    const d = 16;
    const vectors = randomVectors(n, d, 3);
    const ids = Array.from({ length: n }, (_, i) => `item-${i}`);
    const index = new ExactScanIndex(vectors, ids, d);
    const query = randomVectors(1, d, 99);
    const found = await index.search(query, 50);
    const brute = ids
      .map((id, row) => ({ id, score: vectors.subarray(row * d, (row + 1) * d).reduce((s, v, j) => s + v * query[j]!, 0) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 50);
    expect(found.map((f) => f.itemId)).toEqual(brute.map((b) => b.id));
    for (const { itemId, row } of found) expect(ids[row!]).toBe(itemId);
    expect(found[0]!.score).toBeCloseTo(brute[0]!.score, 4);
  });

  it('refuses a query of the wrong dimension', async () => {
    const index = new ExactScanIndex(new Float32Array(8), ['a', 'b'], 4);
    await expect(index.search(new Float32Array(3), 1)).rejects.toThrow(/dimensions/);
  });
});
