import { describe, expect, it } from 'vitest';
import { decodeItemFeatureColumns, decodeItemFeatures, encodeItemFeatures } from '../../src/adapters/redis/redis-feature-store.ts';

const d = 3;
const items = [
  { vector: Float32Array.of(0.5, -1.25, 3), popularity: 0.875, genreMask: 0b101, year: 1999 },
  { vector: Float32Array.of(1, 2, 4), popularity: 0.125, genreMask: 0xffffffff, year: null },
];

/** A reply buffer at an odd offset of a larger one, as ioredis hands out (Float32Array could not view it). */
function unaligned(bytes: Buffer): Buffer {
  const pool = Buffer.alloc(bytes.length + 3);
  bytes.copy(pool, 1);
  return pool.subarray(1, 1 + bytes.length);
}

describe('decodeItemFeatureColumns (Redis values into columns)', () => {
  it('decodes what decodeItemFeatures decodes, from unaligned buffers, null for a missing key', () => {
    const values = [unaligned(encodeItemFeatures(items[0]!)), null, unaligned(encodeItemFeatures(items[1]!))];
    const columns = decodeItemFeatureColumns(values, d);
    expect(Array.from(columns.vectorStart)).toEqual([0, -1, 2 * d]);
    for (const [i, k] of [
      [0, 0],
      [2, 1],
    ] as const) {
      const one = decodeItemFeatures(values[i]!, d);
      const start = columns.vectorStart[i]!;
      expect(Array.from(columns.vectors.subarray(start, start + d))).toEqual(Array.from(items[k]!.vector));
      expect(columns.popularity[i]).toBe(one.popularity);
      expect(columns.genreMask[i]).toBe(one.genreMask);
      expect(columns.year[i]).toEqual(one.year ?? Number.NaN);
    }
  });

  it('refuses a value of the wrong size, as decodeItemFeatures does', () => {
    expect(() => decodeItemFeatureColumns([Buffer.alloc(d * 4 + 15)], d)).toThrow(/bytes, expected/);
  });
});
