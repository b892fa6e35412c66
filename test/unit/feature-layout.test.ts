import { describe, expect, it } from 'vitest';
import { featureCount, FEATURE_NAMES_TAIL, SESSION_STRENGTH_FULL, writeFeatureRow, writeFeatureRowFrom, YEAR_MAX, YEAR_MIN, type ItemInputs, type ViewerInputs } from '../../src/pipeline/feature-layout.ts';
import { Random } from '../../src/offline/random.ts';

const d = 8;

function vector(random: Random): Float32Array {
  return Float32Array.from({ length: d }, () => random.normal());
}

/** The layout spelled out field by field, in float64 like the writer, to hold the writer to it. */
function expectedRow(viewer: ViewerInputs, item: ItemInputs): number[] {
  const u = [...viewer.user];
  const v = [...item.vector];
  let dot = 0;
  for (let j = 0; j < d; j++) dot += u[j]! * v[j]!;
  let session = 0;
  if (viewer.sessionDirection) for (let j = 0; j < d; j++) session += viewer.sessionDirection[j]! * v[j]!;
  const genres = [...viewer.genreProfile].filter((_, g) => item.genreMask & (1 << g));
  const row = [
    ...u,
    ...v,
    ...u.map((x, j) => x * v[j]!),
    dot,
    item.popularity,
    genres.length === 0 ? 0 : genres.reduce((a, b) => a + b, 0) / genres.length,
    item.year === null ? 0 : Math.min(1, Math.max(0, (item.year - YEAR_MIN) / (YEAR_MAX - YEAR_MIN))),
    item.year === null ? 0 : 1,
    Math.min(1, viewer.sessionWeight / SESSION_STRENGTH_FULL),
    session,
  ];
  return [...Float32Array.from(row)];
}

describe('writeFeatureRow', () => {
  const random = new Random(7);
  const genreProfile = Float32Array.from([0.5, 0.25, 0.125, 0.125]);
  const withSession: ViewerInputs = { user: vector(random), genreProfile, sessionDirection: vector(random), sessionWeight: 2 };
  const withoutSession: ViewerInputs = { ...withSession, sessionDirection: null, sessionWeight: 0 };
  const items: ItemInputs[] = [
    { vector: vector(random), popularity: 0.75, genreMask: 0b0101, year: 1994 },
    { vector: vector(random), popularity: 0.01, genreMask: 0, year: null },
  ];

  it('writes each field of the layout, with and without a session', () => {
    const cols = featureCount(d);
    expect(cols).toBe(3 * d + FEATURE_NAMES_TAIL.length);
    for (const viewer of [withSession, withoutSession]) {
      const out = new Float32Array(2 * cols);
      items.forEach((item, row) => writeFeatureRow(out, row, viewer, item));
      items.forEach((item, row) => expect([...out.subarray(row * cols, (row + 1) * cols)]).toEqual(expectedRow(viewer, item)));
    }
  });

  it('writes its own row whole and nothing else, over old values of a reused matrix', () => {
    const cols = featureCount(d);
    const out = new Float32Array(3 * cols).fill(42);
    writeFeatureRow(out, 1, withSession, items[0]!);
    expect(out.subarray(0, cols).every((x) => x === 42)).toBe(true);
    expect([...out.subarray(cols, 2 * cols)]).toEqual(expectedRow(withSession, items[0]!));
    expect(out.subarray(2 * cols).every((x) => x === 42)).toBe(true);
  });

  it('refuses an item vector of another dimension instead of writing over the next block', () => {
    const out = new Float32Array(featureCount(d)).fill(42);
    const wrong: ItemInputs = { ...items[0]!, vector: new Float32Array(d + 1) };
    expect(() => writeFeatureRow(out, 0, withSession, wrong)).toThrow(RangeError);
    expect(out.every((x) => x === 42)).toBe(true);
  });

  it('writes the same row from columns: a vector at an offset of a shared array, NaN for an unknown year', () => {
    const cols = featureCount(d);
    const shared = new Float32Array(5 * d);
    shared.set(items[0]!.vector, 3 * d);
    shared.set(items[1]!.vector, d);
    for (const viewer of [withSession, withoutSession]) {
      const fromItems = new Float32Array(2 * cols);
      const fromColumns = new Float32Array(2 * cols).fill(42);
      items.forEach((item, row) => writeFeatureRow(fromItems, row, viewer, item));
      writeFeatureRowFrom(fromColumns, 0, viewer, shared, 3 * d, items[0]!.popularity, items[0]!.genreMask, items[0]!.year!);
      writeFeatureRowFrom(fromColumns, 1, viewer, shared, d, items[1]!.popularity, items[1]!.genreMask, Number.NaN);
      expect([...fromColumns]).toEqual([...fromItems]);
    }
  });

  it('refuses a start whose vector would run past the array', () => {
    const out = new Float32Array(featureCount(d)).fill(42);
    const shared = new Float32Array(2 * d);
    expect(() => writeFeatureRowFrom(out, 0, withSession, shared, d + 1, 0, 0, 2000)).toThrow(RangeError);
    expect(() => writeFeatureRowFrom(out, 0, withSession, shared, -1, 0, 0, 2000)).toThrow(RangeError);
    expect(() => writeFeatureRowFrom(out, 0, withSession, shared, Number.NaN, 0, 0, 2000)).toThrow(RangeError);
    expect(out.every((x) => x === 42)).toBe(true);
  });
});
