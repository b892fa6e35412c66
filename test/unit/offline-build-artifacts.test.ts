import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_LAYOUT_VERSION, featureCount } from '../../src/pipeline/feature-layout.ts';
import { artifactsExist, loadArtifacts, modelPath, type Artifacts } from '../../src/offline/artifacts.ts';
import { buildSyntheticArtifacts } from '../../src/offline/build-synthetic-artifacts.ts';
import { readEvaluationSet, type EvaluationSet } from '../../src/offline/evaluation-set.ts';

const WORLD = { seed: 5, items: 1500, users: 300, dimension: 16 } as const;

describe('buildSyntheticArtifacts (the offline pipeline on a synthetic world)', () => {
  let root: string;
  let dir: string;
  let built: Awaited<ReturnType<typeof buildSyntheticArtifacts>>;
  let artifacts: Artifacts;
  let evaluation: EvaluationSet;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'offline-build-'));
    dir = join(root, 'artifacts');
    built = await buildSyntheticArtifacts({ dir, ...WORLD, quiet: true });
    artifacts = await loadArtifacts(dir);
    evaluation = await readEvaluationSet(dir);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes a folder that loadArtifacts reads back with matching counts', () => {
    const { manifest } = artifacts;
    expect(manifest).toEqual(built.manifest);
    expect(manifest.source).toMatchObject({ kind: 'synthetic', seed: 5 });
    expect(manifest.itemCount).toBe(1500);
    expect(manifest.userCount).toBe(300);
    expect(manifest.genres.length).toBeGreaterThan(10);
    expect(artifacts.itemVectors).toHaveLength(1500 * 16);
    expect(artifacts.userVectors).toHaveLength(300 * 16);
    expect(artifacts.userGenreProfiles).toHaveLength(300 * manifest.genres.length);
    expect(artifacts.precomputed.size).toBe(60); // the most active fifth
    for (const value of artifacts.itemVectors) expect(Number.isFinite(value)).toBe(true);
  });

  it('writes ranker-light and ranker-heavy in FP32 and INT8, each loadable as the manifest describes', async () => {
    const F = featureCount(WORLD.dimension);
    expect(artifacts.manifest.rankers.map((r) => `${r.name} ${r.precision}`).sort()).toEqual([
      'ranker-heavy fp32',
      'ranker-heavy int8',
      'ranker-light fp32',
      'ranker-light int8',
    ]);
    for (const entry of artifacts.manifest.rankers) {
      expect(entry).toMatchObject({ featureCount: F, featureLayoutVersion: FEATURE_LAYOUT_VERSION, inputName: 'features', outputName: 'scores' });
      const session = await ort.InferenceSession.create(modelPath(artifacts, entry.name, entry.precision).path);
      const out = await session.run({ features: new ort.Tensor('float32', new Float32Array(3 * F).fill(0.1), [3, F]) });
      expect(out.scores!.dims).toEqual([3, 1]);
      expect(Number.isFinite((out.scores!.data as Float32Array)[0])).toBe(true);
      await session.release();
    }
    expect(artifacts.manifest.metrics['ranker-light.heldOutAuc']).toBeGreaterThan(0.6);
  });

  it('precomputes head-user lists best first, without what the user has already seen', () => {
    const seenByUser = new Map(evaluation.users.map((u) => [u.userId, new Set(u.seen)]));
    let checked = 0;
    for (const [userId, list] of artifacts.precomputed) {
      const scores = list.map((e) => e.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      const seen = seenByUser.get(userId);
      if (!seen) continue;
      for (const entry of list) expect(seen.has(entry.itemId)).toBe(false);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('saves the held-out split: one held-out positive per test user, never among what they have seen', () => {
    expect(evaluation.users.length).toBeGreaterThan(100);
    for (const user of evaluation.users) {
      expect(user.heldOut.length).toBeGreaterThan(0);
      for (const item of user.heldOut) expect(user.seen).not.toContain(item);
      expect(user.session.length).toBeLessThanOrEqual(3);
    }
  });

  it('writes trending as the most interacted items, scored relative to the first', () => {
    const { trending } = artifacts;
    expect(trending[0]!.score).toBe(1);
    for (let r = 1; r < trending.length; r++) expect(trending[r]!.score).toBeLessThanOrEqual(trending[r - 1]!.score);
  });

  it('replaces an existing folder whole and leaves no temporary folders behind', async () => {
    await writeFile(join(dir, 'stale.txt'), 'from an older build');
    const again = await buildSyntheticArtifacts({ dir, ...WORLD, seed: 6, heavy: false, quiet: true });
    expect(again.manifest.source.seed).toBe(6);
    expect((await loadArtifacts(dir)).manifest.source.seed).toBe(6);
    expect(await readdir(dir)).not.toContain('stale.txt');
    expect(await readdir(root)).toEqual(['artifacts']);
    expect(artifactsExist(dir)).toBe(true);
  });
});
