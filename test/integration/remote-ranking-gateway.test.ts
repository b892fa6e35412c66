import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { RemoteRanker } from '../../src/adapters/kserve/remote-ranker.ts';
import { loadArtifacts, modelPath } from '../../src/offline/artifacts.ts';
import { startInferenceServer, type InferenceServer } from '../../src/inference-server/server.ts';
import { documentId, startTestGateway, type TestGateway } from '../fixtures/gateway-harness.ts';
import { fetchIncremental } from '../fixtures/incremental.ts';
import { startTestInferenceTier, type TestInferenceTier } from '../fixtures/inference-tier.ts';
import { KServeTestServer } from '../fixtures/kserve-test-server.ts';

/** Hybrid routing end to end: the gateway, our inference server on loopback, the heavy model. */
describe('gateway with a remote heavy ranker', () => {
  let tier: TestInferenceTier;
  let gw: TestGateway;
  const BREAKER_OPEN_MS = 300;

  async function refined(surface = 'HOME') {
    const { status, parts } = await fetchIncremental(
      gw.graphqlUrl,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-id': '3' },
        body: JSON.stringify({ documentId: documentId('HomeFeed'), variables: { first: 5, surface } }),
      },
      'multipart/mixed',
    );
    expect(status).toBe(200);
    const patch = parts[1]!.body.incremental[0];
    expect(patch.errors).toBeUndefined();
    return patch.data.refined as { model: string | null; degraded: boolean; items: unknown[] };
  }

  beforeAll(async () => {
    tier = await startTestInferenceTier(inject('artifactsDir'), 'remote-gateway-');
    const remote = await tier.connect({ breakerFailures: 2, breakerOpenMs: BREAKER_OPEN_MS, readinessIntervalMs: 100 });
    // A generous budget: this tests routing and fallback, not speed on a shared machine.
    gw = await startTestGateway({ env: { BUDGET_HOME_MS: '2000', BUDGET_CHECKOUT_MS: '2000' }, remoteRanker: remote });
  });

  afterAll(async () => {
    await gw?.close();
    await tier?.close();
  });

  it('ranks HOME with the heavy model on the inference server', async () => {
    const before = tier.server.stats();
    const ranking = await refined();
    expect(ranking).toMatchObject({ model: 'ranker-heavy@1', degraded: false });
    expect(ranking.items).toHaveLength(5);
    const rows = (s: ReturnType<InferenceServer['stats']>) => Object.values(s).reduce((sum, m) => sum + m.rows, 0);
    expect(rows(tier.server.stats()) - rows(before)).toBeGreaterThanOrEqual(500);
  });

  it('keeps CHECKOUT in-process', async () => {
    expect((await refined('CHECKOUT')).model).toBe('ranker-light@1');
  });

  it('serves the light model with no client error while the server is down, and the heavy one again once it is back', async () => {
    const port = tier.server.port;
    await tier.server.close(false);
    for (let i = 0; i < 4; i++) {
      const ranking = await refined();
      expect(ranking).toMatchObject({ model: 'ranker-light@1', degraded: false });
    }
    tier.server = await startInferenceServer({ repository: tier.repository, port });
    let model: string | null = null;
    for (let attempt = 0; attempt < 40 && model !== 'ranker-heavy@1'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      model = (await refined()).model;
    }
    expect(model).toBe('ranker-heavy@1');
  });
});

describe('gateway with a remote ranker slower than the budget', () => {
  it('answers inside the budget with the local model, and says so in Ranking.model', async () => {
    const artifacts = await loadArtifacts(inject('artifactsDir'));
    const { entry, path } = modelPath(artifacts, 'ranker-heavy', 'fp32');
    const slow = await KServeTestServer.start({ modelPath: path, modelName: entry.name, modelVersion: entry.version, inputName: entry.inputName, outputName: entry.outputName, featureCount: entry.featureCount });
    const remote = await RemoteRanker.connect({ endpoints: [`127.0.0.1:${slow.port}`], modelName: entry.name, featureCount: entry.featureCount });
    slow.delayMs = 6000;
    const BUDGET_MS = 1000;
    const gw = await startTestGateway({ env: { BUDGET_HOME_MS: String(BUDGET_MS) }, remoteRanker: remote });
    try {
      const started = performance.now();
      const { parts } = await fetchIncremental(
        gw.graphqlUrl,
        { method: 'POST', headers: { 'content-type': 'application/json', 'x-user-id': '3' }, body: JSON.stringify({ documentId: documentId('HomeFeed'), variables: { first: 5 } }) },
        'multipart/mixed',
      );
      const elapsed = performance.now() - started;
      const patch = parts[1]!.body.incremental[0];
      expect(patch.errors).toBeUndefined();
      expect(patch.data.refined.model).toBe('ranker-light@1');
      // Well before the slow server would have answered (6 s): the remote call gave up at its deadline.
      expect(elapsed).toBeLessThan(4000);
      // The remote call carried the deadline as the `timeout` parameter (microseconds), under the budget.
      expect(slow.timeoutsUs.at(-1)).toBeGreaterThan(0);
      expect(slow.timeoutsUs.at(-1)).toBeLessThanOrEqual(BUDGET_MS * 1000);
    } finally {
      await gw.close();
      await slow.stop();
    }
  });
});
