import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePersistedQueries } from '../../src/gateway/edge/compiled-documents.ts';
import { compileDeferredQueries } from '../../src/gateway/edge/deferred-documents.ts';
import { warmUp } from '../../src/gateway/edge/warm-up.ts';
import { MANIFEST_PATH } from '../../src/gateway/gateway.ts';
import { loadPersistedDocuments } from '../../src/gateway/persisted-documents.ts';
import { buildSchema } from '../../src/gateway/yoga.ts';
import { documentId, startTestGateway, type TestGateway } from '../fixtures/gateway-harness.ts';
import { InstrumentedRanker } from '../fixtures/test-rankers.ts';

describe('warm-up before listening', () => {
  let gw: TestGateway;
  let ranker: InstrumentedRanker;

  beforeAll(async () => {
    gw = await startTestGateway({
      env: { WARM_UP_ROUNDS: '2', RESPONSE_CACHE: 'true', BUDGET_HOME_MS: '3000' },
      wrapRanker: (real) => (ranker = new InstrumentedRanker(real)),
    });
  });
  afterAll(() => gw?.close());

  it('has run the pipeline (ranking included) before the first request, and cached nothing', async () => {
    expect(ranker.calls).toBeGreaterThan(0);
    expect([...gw.featureStoreCalls.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const stats = gw.gateway.responseCache!.stats;
    expect(stats).toMatchObject({ hits: 0, stale: 0, coalesced: 0, misses: 0, stored: 0, notStored: 0 });
    // The first real request of a warm-up viewer is a miss: the warm-up left no answer behind.
    const response = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed', 'x-user-id': '1' },
      body: JSON.stringify({ documentId: documentId('HomeFeed'), variables: { first: 5 } }),
    });
    await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-cache')).toBe('MISS');
  });

  it('runs every query the edge runs itself whose variables need no value, and skips the others', async () => {
    const schema = buildSchema();
    const persisted = loadPersistedDocuments(MANIFEST_PATH.pathname, schema);
    const compiled = compilePersistedQueries(schema, persisted);
    const deferred = compileDeferredQueries(schema, persisted);
    const before = ranker.calls;
    const summary = await warmUp(persisted, compiled, deferred, gw.services, 3);
    // HomeFeed (split at its @defer), CoarseFeed and Trending; not ItemDetail (its id is required), not RecordEvent (a mutation).
    expect(summary.documents).toBe(3);
    expect(summary.runs).toBe(9);
    expect(ranker.calls).toBeGreaterThan(before);
  });
});
