import { scoreAgreement } from '../../src/offline/metrics.ts';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifacts, modelPath, type Artifacts } from '../../src/offline/artifacts.ts';
import { buildArtifacts } from '../../src/offline/build-artifacts.ts';
import { subsetUsers } from '../../src/offline/dataset.ts';
import { evaluateArtifacts, type EvaluationReport } from '../../src/offline/evaluate.ts';
import { readEvaluationSet } from '../../src/offline/evaluation-set.ts';
import { loadMovieLens } from '../../src/offline/movielens.ts';
import { featureCount, writeFeatureRow } from '../../src/pipeline/feature-layout.ts';

const MOVIELENS = fileURLToPath(new URL('../../../shared/data/ml-latest-small', import.meta.url));
/** The fixture: the first 250 users of ml-latest-small (about 40k ratings). */
const FIXTURE_USERS = 250;

describe.skipIf(!existsSync(MOVIELENS))('offline pipeline on a MovieLens fixture', () => {
  let root: string;
  let artifacts: Artifacts;
  let report: EvaluationReport;
  const ndcg = (method: string) => report.methods.find((m) => m.method === method)!.ndcg10;
  const recall50 = (method: string) => report.methods.find((m) => m.method === method)!.recall50;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'offline-pipeline-'));
    const full = await loadMovieLens(MOVIELENS);
    const dataset = subsetUsers(full, Array.from({ length: FIXTURE_USERS }, (_, u) => u));
    await buildArtifacts({ dir: join(root, 'ml'), dataset, seed: 11, dimension: 32, quiet: true });
    artifacts = await loadArtifacts(join(root, 'ml'));
    report = await evaluateArtifacts(artifacts, await readEvaluationSet(artifacts.dir), { latencyRuns: 20 });
  }, 120_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('evaluates every test user on every method', () => {
    expect(report.users).toBeGreaterThan(200);
    expect(report.methods.map((m) => m.method)).toEqual([
      'popularity',
      'coarse (retrieval)',
      'refined ranker-light fp32',
      'refined ranker-light int8',
      'refined ranker-heavy fp32',
      'refined ranker-heavy int8',
    ]);
    expect(report.latency).toHaveLength(4);
  });

  it('retrieves better than popularity, and the trained rankers beat popularity too', () => {
    expect(recall50('coarse (retrieval)')).toBeGreaterThan(recall50('popularity'));
    expect(ndcg('refined ranker-light fp32')).toBeGreaterThan(ndcg('popularity'));
    expect(ndcg('refined ranker-heavy fp32')).toBeGreaterThan(ndcg('popularity'));
  });

  it('INT8 and FP32 exports of each ranker agree: Pearson r > 0.99 on real candidate rows', async () => {
    const F = featureCount(artifacts.manifest.dimension);
    const rows = 400;
    // Real rows: user 0 against the first 400 items, through the serving feature layout.
    const d = artifacts.manifest.dimension;
    const g = artifacts.manifest.genres.length;
    const features = new Float32Array(rows * F);
    for (let i = 0; i < rows; i++) {
      writeFeatureRow(
        features,
        i,
        { user: artifacts.userVectors.subarray(0, d), genreProfile: artifacts.userGenreProfiles.subarray(0, g), sessionDirection: null, sessionWeight: 0 },
        { vector: artifacts.itemVectors.subarray(i * d, (i + 1) * d), popularity: artifacts.items[i]!.popularity, genreMask: 1, year: artifacts.items[i]!.year },
      );
    }
    for (const name of ['ranker-light', 'ranker-heavy']) {
      const scores = [];
      for (const precision of ['fp32', 'int8'] as const) {
        const session = await ort.InferenceSession.create(modelPath(artifacts, name, precision).path);
        scores.push((await session.run({ features: new ort.Tensor('float32', features.slice(), [rows, F]) })).scores!.data as Float32Array);
        await session.release();
      }
      expect(scoreAgreement(scores[0]!, scores[1]!).pearson).toBeGreaterThan(0.99);
    }
  });
});
