import { describe, expect, it } from 'vitest';
import type { CandidateSet } from '../../src/pipeline/candidates.ts';
import { Deadline } from '../../src/pipeline/deadline.ts';
import { featureCount, type ViewerInputs } from '../../src/pipeline/feature-layout.ts';
import type { Scorer } from '../../src/pipeline/ranking-policy.ts';
import { refineCandidates } from '../../src/pipeline/refine.ts';
import { RankerError } from '../../src/ports/ranker.ts';
import type { ItemFeatureColumns, ItemFeatures } from '../../src/ports/feature-store.ts';
import { itemFeatureColumnsOf } from '../../src/pipeline/item-feature-columns.ts';

const d = 4;
const cols = featureCount(d);
const viewer: ViewerInputs = { user: Float32Array.of(1, 0, 0, 0), genreProfile: new Float32Array(4), sessionDirection: null, sessionWeight: 0 };

/** Item i's popularity is `popularity[i]`; the scorer below scores a row by its popularity column. */
function setOf(count: number): CandidateSet {
  const candidates = Array.from({ length: count }, (_, i) => ({ itemId: `item-${i}`, score: 1 - i / 100 }));
  return { source: 'ANN', viewer, candidates };
}

function featuresOf(popularity: readonly (number | null)[]) {
  return async (ids: readonly string[]): Promise<ItemFeatureColumns> =>
    itemFeatureColumnsOf(
      ids.map((id): ItemFeatures | null => {
        const p = popularity[Number(id.slice('item-'.length))];
        return p === null || p === undefined ? null : { vector: Float32Array.of(0, 1, 0, 0), popularity: p, genreMask: 0, year: 2000 };
      }),
      d,
    );
}

/** Scores each row by its popularity feature (column 3d + 1), as a model reading the matrix would. */
const byPopularity: Scorer = async (features, rows) => ({
  scores: Float32Array.from({ length: rows }, (_, r) => features[r * cols + 3 * d + 1]!),
  model: 'popularity@1',
});

const later = () => Deadline.after(10_000);

describe('refineCandidates', () => {
  it('keeps the best `first` by model score, best first; ties keep retrieval order', async () => {
    const popularity = [0.1, 0.9, 0.5, 0.9, 0.2, 0.7, 0.5, 0.05];
    const outcome = await refineCandidates(setOf(popularity.length), 5, byPopularity, featuresOf(popularity), later());
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.model).toBe('popularity@1');
    expect(outcome.items.map((i) => i.itemId)).toEqual(['item-1', 'item-3', 'item-5', 'item-2', 'item-6']);
    expect(outcome.items.map((i) => i.position)).toEqual([1, 2, 3, 4, 5]);
    expect(outcome.items.map((i) => i.score)).toEqual([0.9, 0.9, 0.7, 0.5, 0.5].map(Math.fround));
    expect(outcome.items[0]).toMatchObject({ source: 'ANN', similarity: 0.99, modelScored: true });
  });

  it('agrees with a full sort over 500 candidates with many ties', async () => {
    const popularity = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 13) / 13);
    const outcome = await refineCandidates(setOf(500), 20, byPopularity, featuresOf(popularity), later());
    const expected = popularity
      .map((p, i) => ({ p: Math.fround(p), i }))
      .sort((a, b) => b.p - a.p || a.i - b.i)
      .slice(0, 20)
      .map(({ i }) => `item-${i}`);
    expect(outcome.ok && outcome.items.map((i) => i.itemId)).toEqual(expected);
  });

  it('leaves out candidates without features and returns fewer when fewer are left', async () => {
    const outcome = await refineCandidates(setOf(4), 10, byPopularity, featuresOf([0.3, null, 0.8, null]), later());
    expect(outcome.ok && outcome.items.map((i) => [i.itemId, i.position])).toEqual([
      ['item-2', 1],
      ['item-0', 2],
    ]);
  });

  it('passes each candidate\'s catalog row to the feature read as a hint, -1 where retrieval had none', async () => {
    const set = setOf(3);
    const candidates = [{ ...set.candidates[0]!, row: 12 }, set.candidates[1]!, { ...set.candidates[2]!, row: 0 }];
    let seen: number[] = [];
    const read = featuresOf([0.1, 0.2, 0.3]);
    await refineCandidates({ ...set, candidates }, 3, byPopularity, (ids, hints) => ((seen = Array.from(hints)), read(ids)), later());
    expect(seen).toEqual([12, -1, 0]);
  });

  it('says why the coarse order stands: cold start, no features, a missed deadline, a failed ranker, a short feature answer', async () => {
    const cold = await refineCandidates({ ...setOf(3), viewer: null }, 2, byPopularity, featuresOf([1, 1, 1]), later());
    expect(cold).toEqual({ ok: false, reason: 'COLD_START' });
    const lost = await refineCandidates(setOf(2), 2, byPopularity, featuresOf([null, null]), later());
    expect(lost).toEqual({ ok: false, reason: 'BACKEND_UNAVAILABLE' });
    const late = await refineCandidates(setOf(2), 2, byPopularity, featuresOf([1, 1]), Deadline.after(0, performance.now() - 1));
    expect(late).toEqual({ ok: false, reason: 'DEADLINE_EXCEEDED' });
    const failing: Scorer = async () => {
      throw new RankerError('OVERLOADED', 'queue full');
    };
    const overloaded = await refineCandidates(setOf(2), 2, failing, featuresOf([1, 1]), later());
    expect(overloaded).toEqual({ ok: false, reason: 'OVERLOADED' });
    const short = await refineCandidates(setOf(3), 2, byPopularity, (ids) => featuresOf([1, 1, 1])(ids.slice(1)), later());
    expect(short).toEqual({ ok: false, reason: 'BACKEND_UNAVAILABLE' });
  });
});
