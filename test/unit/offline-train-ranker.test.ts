import { describe, expect, it } from 'vitest';
import { featureCount, writeFeatureRow } from '../../src/pipeline/feature-layout.ts';
import { mlpForward } from '../../src/offline/mlp.ts';
import { rocAuc } from '../../src/offline/metrics.ts';
import { generateSyntheticWorld } from '../../src/offline/synthetic-data.ts';
import { trainRanker } from '../../src/offline/train-ranker.ts';

describe('rocAuc', () => {
  it('is 1 for a perfect order, 0 for a reversed one, 0.5 for ties', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([1, 2], [1, 1])).toBeNaN();
  });
});

describe('trainRanker', () => {
  const world = generateSyntheticWorld({ seed: 5, items: 2000, users: 500, dimension: 16 });
  const result = trainRanker(world, { seed: 9 });

  it('ranks held-out positives above sampled negatives', () => {
    expect(result.examples.heldOut).toBeGreaterThan(500);
    expect(result.heldOutAuc).toBeGreaterThan(0.6);
    // It learns more than either signal alone: popularity, and retrieval's own score.
    expect(result.heldOutAuc).toBeGreaterThan(result.heldOutAucPopularity);
    expect(result.heldOutAuc).toBeGreaterThan(result.heldOutAucDot);
    expect(result.trainLoss).toBeLessThan(Math.log(2));
  });

  it('trains a small world in seconds', () => {
    // A guard against an accidental users x items scan, not a benchmark: typical is about 1 s.
    expect(result.elapsedMs).toBeLessThan(20_000);
  });

  it('returns weights that act on raw writeFeatureRow rows', () => {
    const d = world.dimension;
    const F = featureCount(d);
    expect(result.weights.inputSize).toBe(F);
    expect(result.weights.hiddenSize).toBe(64);
    // The user's own interactions should, on average, outscore random items for that user.
    const users = 100;
    const rows = new Float32Array(users * 2 * F);
    for (let u = 0; u < users; u++) {
      const user = world.userVectors.subarray(u * d, u * d + d);
      const taken = world.interactions.itemIndex[world.interactions.userOffsets[u]!]!;
      const other = (u * 7919 + 13) % world.items.length;
      writeFeatureRow(rows, 2 * u, user, world.itemVectors.subarray(taken * d, taken * d + d), world.itemPopularity[taken]!);
      writeFeatureRow(rows, 2 * u + 1, user, world.itemVectors.subarray(other * d, other * d + d), world.itemPopularity[other]!);
    }
    const logits = mlpForward(result.weights, rows, users * 2);
    const labels = Array.from({ length: users * 2 }, (_, r) => (r % 2 === 0 ? 1 : 0));
    expect(rocAuc(logits, labels)).toBeGreaterThan(0.7);
  });

  it('is deterministic for a seed', () => {
    const options = { seed: 3, epochs: 1, maxExamples: 3000 } as const;
    const a = trainRanker(world, options);
    const b = trainRanker(world, options);
    expect(a.weights.W1).toEqual(b.weights.W1);
    expect(a.heldOutAuc).toBe(b.heldOutAuc);
    const c = trainRanker(world, { ...options, seed: 4 });
    expect(c.weights.W1).not.toEqual(a.weights.W1);
  });
});
