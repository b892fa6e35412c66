import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailingRanker, InstrumentedRanker } from '../fixtures/test-rankers.ts';
import { documentId, runPersisted, startTestGateway, type TestGateway } from '../fixtures/gateway-harness.ts';
import { fetchIncremental } from '../fixtures/incremental.ts';

const HEAD_USER = '1';

function homeFeedRequest(gw: TestGateway, variables: Record<string, unknown> = {}, headers: Record<string, string> = { 'x-user-id': HEAD_USER }) {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ documentId: documentId('HomeFeed'), variables }),
  };
}

describe('HomeFeed with @defer', () => {
  let gw: TestGateway;
  let ranker: InstrumentedRanker;
  beforeAll(async () => {
    // A budget a loaded 2-core machine cannot miss: these tests are about streaming, not speed.
    gw = await startTestGateway({ env: { BUDGET_HOME_MS: '3000' }, wrapRanker: (real) => (ranker = new InstrumentedRanker(real)) });
  });
  afterAll(() => gw.close());

  for (const accept of ['multipart/mixed', 'text/event-stream'] as const) {
    it(`streams coarse first and refined after it over ${accept}`, async () => {
      const { status, contentType, parts } = await fetchIncremental(gw.graphqlUrl, homeFeedRequest(gw, { first: 10 }), accept);
      expect(status).toBe(200);
      expect(contentType.startsWith(accept)).toBe(true);
      expect(parts).toHaveLength(2);
      const [initial, patch] = parts as [any, any];
      expect(initial.body.hasNext).toBe(true);
      const feed = initial.body.data.feed;
      expect(feed.viewer).toEqual({ id: HEAD_USER, anonymous: false });
      expect(feed.refined).toBeUndefined();
      expect(feed.coarse).toMatchObject({ stage: 'COARSE', model: null, degraded: false });
      expect(['PRECOMPUTED', 'ANN']).toContain(feed.coarse.source);
      expect(feed.coarse.items).toHaveLength(10);
      const coarseScores = feed.coarse.items.map((r: any) => r.score);
      expect([...coarseScores].sort((a, b) => b - a)).toEqual(coarseScores);

      expect(patch.body.hasNext).toBe(false);
      const incremental = patch.body.incremental[0];
      expect(incremental.path).toEqual(['feed']);
      expect(incremental.label).toBe('refined');
      const refined = incremental.data.refined;
      expect(refined).toMatchObject({ stage: 'REFINED', degraded: false, degradedReason: null });
      expect(refined.model).toBe(gw.services.ranker.modelId);
      expect(refined.items).toHaveLength(10);
      expect(refined.items.map((r: any) => r.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const refinedScores = refined.items.map((r: any) => r.score);
      expect([...refinedScores].sort((a, b) => b - a)).toEqual(refinedScores);
      expect(refined.items[0].item.title).toEqual(expect.any(String));
    });
  }

  it('loads candidate features in one batch and scores them in one ranker call per request', async () => {
    gw.featureStoreCalls.clear();
    const callsBefore = ranker.calls;
    const rowsBefore = ranker.rows;
    await fetchIncremental(gw.graphqlUrl, homeFeedRequest(gw), 'multipart/mixed');
    expect(gw.featureStoreCalls.get('getItemFeatureColumns')).toBe(1);
    expect(gw.featureStoreCalls.get('getItemFeatures')).toBeUndefined();
    expect(gw.featureStoreCalls.get('getUserFeatures')).toBe(1);
    expect(ranker.calls - callsBefore).toBe(1);
    expect(ranker.rows - rowsBefore).toBe(500);
  });

  it('CoarseFeed never calls the ranker and loads no item features', async () => {
    gw.featureStoreCalls.clear();
    const before = ranker.calls;
    const res = await runPersisted(gw, 'CoarseFeed', { first: 5 }, { 'x-user-id': '3' });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.feed.coarse.items).toHaveLength(5);
    expect(ranker.calls).toBe(before);
    expect(gw.featureStoreCalls.get('getItemFeatures')).toBeUndefined();
    expect(gw.featureStoreCalls.get('getItemFeatureColumns')).toBeUndefined();
  });

  it('ItemDetail never loads features and never ranks', async () => {
    gw.featureStoreCalls.clear();
    const before = ranker.calls;
    const res = await runPersisted(gw, 'ItemDetail', { id: '5' }, { 'x-user-id': HEAD_USER });
    expect(res.body.data?.item.id).toBe('5');
    expect(gw.featureStoreCalls.size).toBe(0);
    expect(ranker.calls).toBe(before);
  });

  it('gives an anonymous viewer trending first and a COLD_START refined answer without calling the ranker', async () => {
    const before = ranker.calls;
    const { parts } = await fetchIncremental(gw.graphqlUrl, homeFeedRequest(gw, { first: 5 }, {}), 'multipart/mixed');
    const feed = parts[0]!.body.data.feed;
    expect(feed.viewer).toEqual({ id: '', anonymous: true });
    expect(feed.coarse.source).toBe('TRENDING');
    const refined = parts[1]!.body.incremental[0].data.refined;
    expect(refined).toMatchObject({ degraded: true, degradedReason: 'COLD_START', model: null, source: 'TRENDING' });
    expect(refined.items.map((r: any) => r.item.id)).toEqual(feed.coarse.items.map((r: any) => r.item.id));
    expect(ranker.calls).toBe(before);
  });
});

describe('HomeFeed with a slow ranker', () => {
  const DELAY_MS = 400;
  let gw: TestGateway;
  let ranker: InstrumentedRanker;
  beforeAll(async () => {
    // A budget long enough for the slow ranker to finish: the refined answer is real.
    gw = await startTestGateway({ env: { BUDGET_HOME_MS: '5000' }, wrapRanker: (real) => (ranker = new InstrumentedRanker(real, DELAY_MS)) });
  });
  afterAll(() => gw.close());

  it('sends the first payload before the ranker finishes', async () => {
    const start = performance.now();
    const { parts } = await fetchIncremental(gw.graphqlUrl, homeFeedRequest(gw), 'multipart/mixed');
    expect(parts).toHaveLength(2);
    expect(parts[0]!.at).toBeLessThan(ranker.lastFinishedAt);
    expect(parts[1]!.at).toBeGreaterThanOrEqual(ranker.lastFinishedAt);
    expect(parts[1]!.at - start).toBeGreaterThanOrEqual(DELAY_MS);
    expect(parts[1]!.body.incremental[0].data.refined.degraded).toBe(false);
  });
});

describe('degraded refined answers', () => {
  it('returns the coarse order with DEADLINE_EXCEEDED when the ranker misses the budget', async () => {
    const gw = await startTestGateway({ env: { BUDGET_HOME_MS: '50' }, wrapRanker: (real) => new InstrumentedRanker(real, 2000) });
    try {
      const started = performance.now();
      const { parts } = await fetchIncremental(gw.graphqlUrl, homeFeedRequest(gw, { first: 8 }), 'multipart/mixed');
      const elapsed = performance.now() - started;
      const coarse = parts[0]!.body.data.feed.coarse;
      const refined = parts[1]!.body.incremental[0].data.refined;
      expect(parts[1]!.body.incremental[0].errors).toBeUndefined();
      expect(refined).toMatchObject({ stage: 'COARSE', model: null, degraded: true, degradedReason: 'DEADLINE_EXCEEDED' });
      expect(refined.items.map((r: any) => r.item.id)).toEqual(coarse.items.map((r: any) => r.item.id));
      // The answer did not wait for the slow ranker (2 s) to finish.
      expect(elapsed).toBeLessThan(1500);
    } finally {
      await gw.close();
    }
  });

  it('returns the coarse order with BACKEND_UNAVAILABLE when the ranker fails', async () => {
    const failing = new FailingRanker(0);
    const gw = await startTestGateway({ wrapRanker: () => failing });
    try {
      const { parts } = await fetchIncremental(gw.graphqlUrl, homeFeedRequest(gw, { first: 4 }), 'multipart/mixed');
      const refined = parts[1]!.body.incremental[0].data.refined;
      expect(refined).toMatchObject({ degraded: true, degradedReason: 'BACKEND_UNAVAILABLE', model: null });
      expect(refined.items).toHaveLength(4);
      expect(failing.calls).toBe(1);
    } finally {
      await gw.close();
    }
  });
});
