import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_LAYOUT_VERSION, featureCount } from '../../src/pipeline/feature-layout.ts';
import { artifactsExist, loadArtifacts, modelPath, type Artifacts } from '../../src/offline/artifacts.ts';
import { buildSyntheticArtifacts, type BuildSyntheticArtifactsResult } from '../../src/offline/build-synthetic-artifacts.ts';

const WORLD = { seed: 5, items: 1500, users: 300, dimension: 16 } as const;

describe('buildSyntheticArtifacts', () => {
  let root: string;
  let dir: string;
  let built: BuildSyntheticArtifactsResult;
  let artifacts: Artifacts;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'offline-build-'));
    dir = join(root, 'artifacts');
    built = await buildSyntheticArtifacts({ dir, ...WORLD, quiet: true });
    artifacts = await loadArtifacts(dir);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes a folder that loadArtifacts reads back with matching counts', () => {
    const { manifest } = artifacts;
    expect(manifest).toEqual(built.manifest);
    expect(manifest.source).toEqual({ kind: 'synthetic', seed: 5, items: 1500, users: 300 });
    expect(manifest.itemCount).toBe(1500);
    expect(manifest.userCount).toBe(300);
    expect(artifacts.items).toHaveLength(1500);
    expect(artifacts.itemVectors).toHaveLength(1500 * 16);
    expect(artifacts.userIds).toHaveLength(300);
    expect(artifacts.userVectors).toHaveLength(300 * 16);
    // Head users are the most active fifth.
    expect(artifacts.precomputed.size).toBe(60);
    expect(manifest.precomputed).toMatchObject({ users: 60, listLength: 500 });
    for (const list of artifacts.precomputed.values()) expect(list).toHaveLength(500);
    expect(manifest.metrics.heldOutAuc).toBeGreaterThan(0.6);
  });

  it('writes trending as the most interacted items, scored relative to the first', () => {
    const { trending } = artifacts;
    expect(trending.length).toBeGreaterThan(100);
    expect(trending.length).toBe(artifacts.manifest.trending.listLength);
    expect(trending[0]!.score).toBe(1);
    for (let r = 1; r < trending.length; r++) expect(trending[r]!.score).toBeLessThanOrEqual(trending[r - 1]!.score);
    expect(new Set(trending.map((t) => t.itemId)).size).toBe(trending.length);
  });

  it("starts each precomputed list with the user's true top item by inner product", () => {
    const d = WORLD.dimension;
    const userRow = new Map(artifacts.userIds.map((id, u) => [id, u]));
    let checked = 0;
    for (const [userId, list] of artifacts.precomputed) {
      const u = userRow.get(userId)!;
      const scores = Array.from({ length: WORLD.items }, (_, i) => {
        let s = 0;
        for (let j = 0; j < d; j++) s += artifacts.userVectors[u * d + j]! * artifacts.itemVectors[i * d + j]!;
        return s;
      });
      const order = scores.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s);
      expect(list[0]!.score).toBeCloseTo(order[0]!.s, 5);
      // float32 (onnxruntime) and float64 sums may swap near-ties; judge only clear winners.
      if (order[0]!.s - order[1]!.s < 1e-5) continue;
      expect(list[0]!.itemId).toBe(artifacts.items[order[0]!.i]!.id);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('writes a ranker that onnxruntime loads, as the manifest describes it', async () => {
    const { entry, path } = modelPath(artifacts, 'ranker-light');
    const F = featureCount(WORLD.dimension);
    expect(entry).toEqual({
      name: 'ranker-light',
      version: '1',
      file: 'ranker-light.onnx',
      inputName: 'features',
      outputName: 'scores',
      featureCount: F,
      featureLayoutVersion: FEATURE_LAYOUT_VERSION,
      precision: 'fp32',
    });
    const session = await ort.InferenceSession.create(path);
    try {
      const rows = new Float32Array(3 * F).fill(0.1);
      const out = await session.run({ [entry.inputName]: new ort.Tensor('float32', rows, [3, F]) });
      expect(out[entry.outputName]!.dims).toEqual([3, 1]);
      expect(Number.isFinite((out[entry.outputName]!.data as Float32Array)[0])).toBe(true);
    } finally {
      await session.release();
    }
  });

  it('replaces an existing folder whole and leaves no temporary folders behind', async () => {
    await writeFile(join(dir, 'stale.txt'), 'from an older build');
    const again = await buildSyntheticArtifacts({ dir, ...WORLD, seed: 6, quiet: true });
    expect(again.manifest.source.seed).toBe(6);
    expect((await loadArtifacts(dir)).manifest.source.seed).toBe(6);
    expect(await readdir(dir)).not.toContain('stale.txt');
    expect(await readdir(root)).toEqual(['artifacts']);
    expect(artifactsExist(dir)).toBe(true);
  });
});
