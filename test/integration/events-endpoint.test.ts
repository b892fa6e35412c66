import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEmbeddedServices, startLocalRanker } from '../../src/adapters/embedded-services.ts';
import type { MemoryEventLog } from '../../src/adapters/memory/memory-event-log.ts';
import { RedisEventLog } from '../../src/adapters/redis/redis-event-log.ts';
import { RedisSessionStore } from '../../src/adapters/redis/redis-session-store.ts';
import { RedisTrending } from '../../src/adapters/redis/redis-trending.ts';
import { loadConfig } from '../../src/config.ts';
import { startGateway, type RunningGateway } from '../../src/gateway/gateway.ts';
import { loadArtifacts, type Artifacts } from '../../src/offline/artifacts.ts';
import type { IngestResult } from '../../src/pipeline/ingest-events.ts';
import { dot } from '../../src/pipeline/vectors.ts';
import { documentId, startTestGateway, type TestGateway } from '../fixtures/gateway-harness.ts';
import { fetchIncremental } from '../fixtures/incremental.ts';

const ENV = { MAX_BODY_BYTES: String(2 * 1024 * 1024), BUDGET_HOME_MS: '3000' };
const NDJSON = { 'content-type': 'application/x-ndjson' };

/** The kinds of broken lines in the mixed batch, and the code each must be rejected with. */
const INVALID: Array<{ line: (itemId: string) => string; code: string }> = [
  { line: (id) => `{"itemId":"${id}","type":"CLICK"`, code: 'MALFORMED_JSON' },
  { line: (id) => JSON.stringify({ itemId: id, type: 'CLICK', price: 3 }), code: 'UNKNOWN_FIELD' },
  { line: () => JSON.stringify({ itemId: 17, type: 'CLICK' }), code: 'WRONG_TYPE' },
  { line: () => JSON.stringify({ itemId: 'no-such-item', type: 'CLICK' }), code: 'UNKNOWN_ITEM' },
  { line: (id) => JSON.stringify({ itemId: id, type: 'LIKE' }), code: 'UNKNOWN_EVENT_TYPE' },
  { line: (id) => JSON.stringify({ itemId: id, type: 'CLICK', occurredAt: new Date(Date.now() - 3 * 24 * 3600_000).toISOString() }), code: 'TIMESTAMP_TOO_OLD' },
  { line: (id) => JSON.stringify({ itemId: id, type: 'CLICK', occurredAt: new Date(Date.now() + 3600_000).toISOString() }), code: 'TIMESTAMP_IN_FUTURE' },
  { line: (id) => JSON.stringify({ itemId: id }), code: 'MISSING_FIELD' },
  { line: () => '[]', code: 'NOT_AN_OBJECT' },
  { line: (id) => JSON.stringify({ itemId: id, type: 'CLICK', occurredAt: 'last tuesday' }), code: 'BAD_TIMESTAMP' },
];

/** `count` lines, every 10th broken (cycling through INVALID); valid ones click `target`. */
function mixedBatch(count: number, target: string): { body: string; expectedCodes: Map<number, string> } {
  const lines: string[] = [];
  const expectedCodes = new Map<number, string>();
  const recent = new Date(Date.now() - 60_000).toISOString();
  for (let i = 0; i < count; i++) {
    if (i % 10 === 9) {
      const kind = INVALID[Math.floor(i / 10) % INVALID.length]!;
      lines.push(kind.line(target));
      expectedCodes.set(i + 1, kind.code);
    } else {
      lines.push(JSON.stringify(i % 3 === 0 ? { itemId: target, type: 'CLICK', occurredAt: recent } : { itemId: target, type: i % 2 ? 'VIEW' : 'CLICK' }));
    }
  }
  return { body: lines.join('\n') + '\n', expectedCodes };
}

async function postEvents(baseUrl: string, body: string, headers: Record<string, string>) {
  const response = await fetch(`${baseUrl}/events`, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as IngestResult & { errors?: Array<{ extensions: { code: string } }> } };
}

/** Shared checks of the 10,000-line batch against the response. */
function expectReconciled(result: IngestResult, expectedCodes: Map<number, string>): void {
  expect(result.received).toBe(10_000);
  expect(result.deadLettered).toBe(1_000);
  expect(result.accepted).toBe(9_000);
  expect(result.received).toBe(result.accepted + result.deadLettered);
  expect(result.results).toHaveLength(10_000);
  const rejected = result.results.filter((r) => !r.accepted);
  expect(rejected).toHaveLength(1_000);
  for (const r of rejected) {
    expect(r.code).toBe(expectedCodes.get(r.line));
    expect(r.reason).toEqual(expect.any(String));
  }
  const ids = result.results.filter((r) => r.accepted).map((r) => r.eventId);
  expect(new Set(ids).size).toBe(9_000);
}

function feedHelpers(artifacts: Artifacts, baseUrl: string) {
  const d = artifacts.manifest.dimension;
  const vector = (id: string) => {
    const row = artifacts.items.findIndex((i) => i.id === id);
    return artifacts.itemVectors.subarray(row * d, (row + 1) * d);
  };
  const closeness = (ids: string[], target: string) => ids.reduce((sum, id) => sum + dot(vector(id), vector(target)), 0) / ids.length;
  const homeFeed = async (headers: Record<string, string>) => {
    const { parts } = await fetchIncremental(
      `${baseUrl}/graphql`,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ documentId: documentId('HomeFeed'), variables: { first: 20 } }) },
      'multipart/mixed',
    );
    const ids = (ranking: any): string[] => ranking.items.map((r: any) => r.item.id);
    return { source: parts[0]!.body.data.feed.coarse.source as string, coarse: ids(parts[0]!.body.data.feed.coarse), refined: ids(parts[1]!.body.incremental[0].data.refined) };
  };
  /** The item (of the first 500) least like the viewer's current feed. */
  const farthest = (feed: string[]) =>
    artifacts.items
      .map((i) => i.id)
      .slice(0, 500)
      .sort((a, b) => closeness(feed, a) - closeness(feed, b))[0]!;
  return { closeness, homeFeed, farthest };
}

describe('POST /events (memory adapters)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: ENV });
  });
  afterAll(() => gw.close());

  it('reconciles 10,000 events with 10% invalid: received = accepted + dead-lettered, in the answer and in the log', async () => {
    const { homeFeed, closeness, farthest } = feedHelpers(gw.artifacts, gw.url);
    const viewer = { 'x-user-id': '11' };
    const before = await homeFeed(viewer);
    const target = farthest(before.coarse);
    const { body, expectedCodes } = mixedBatch(10_000, target);
    const log = gw.services.events as MemoryEventLog;
    const countsBefore = await log.counts();

    const res = await postEvents(gw.url, body, { ...NDJSON, ...viewer });
    expect(res.status).toBe(200);
    expectReconciled(res.body, expectedCodes);
    const countsAfter = await log.counts();
    expect(countsAfter.accepted - countsBefore.accepted).toBe(res.body.accepted);
    expect(countsAfter.deadLettered - countsBefore.deadLettered).toBe(res.body.deadLettered);
    const dead = log.recentDeadLetters(1_000);
    expect(dead.every((d) => d.viewerKey === 'u:11' && d.reason.length > 0)).toBe(true);
    expect(new Set(dead.map((d) => d.code))).toEqual(new Set(INVALID.map((k) => k.code)));

    // The next feed reflects the clicks.
    const after = await homeFeed(viewer);
    expect(after.source).toBe('SESSION');
    expect(closeness(after.coarse, target)).toBeGreaterThan(closeness(before.coarse, target) + 0.1);
    expect(closeness(after.refined, target)).toBeGreaterThan(closeness(before.refined, target) + 0.1);
    expect(after.coarse).not.toContain(target);
    // And trending counts them.
    expect((await gw.services.trending.top(5)).map((e) => e.itemId)).toContain(target);
  });

  it('refuses a request without a viewer, or with a malformed identity, with 401 UNAUTHENTICATED', async () => {
    const line = JSON.stringify({ itemId: gw.artifacts.items[0]!.id, type: 'CLICK' });
    for (const headers of [{}, { 'x-user-id': 'not valid!' }] as Array<Record<string, string>>) {
      const res = await postEvents(gw.url, line, { ...NDJSON, ...headers });
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses other content types (415), other methods (405) and bodies over MAX_BODY_BYTES (413)', async () => {
    const viewer = { 'x-session-id': 'events-refusals' };
    const json = await postEvents(gw.url, '{}', { 'content-type': 'application/json', ...viewer });
    expect(json.status).toBe(415);
    expect(json.body.errors?.[0]?.extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const get = await fetch(`${gw.url}/events`, { headers: viewer });
    expect(get.status).toBe(405);
    const big = await postEvents(gw.url, 'x'.repeat(2 * 1024 * 1024 + 1), { ...NDJSON, ...viewer });
    expect(big.status).toBe(413);
    expect(big.body.errors?.[0]?.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an empty body with zero counts and skips blank lines', async () => {
    const viewer = { 'x-session-id': 'events-blank', ...NDJSON };
    expect((await postEvents(gw.url, '', viewer)).body).toMatchObject({ received: 0, accepted: 0, deadLettered: 0, results: [] });
    const id = gw.artifacts.items[1]!.id;
    const res = await postEvents(gw.url, `\r\n${JSON.stringify({ itemId: id, type: 'VIEW' })}\r\n\n{"bad"\n`, viewer);
    expect(res.body).toMatchObject({ received: 2, accepted: 1, deadLettered: 1 });
    expect(res.body.results.map((r) => [r.line, r.accepted])).toEqual([
      [2, true],
      [4, false],
    ]);
  });
});

describe('POST /events (Redis event log, sessions and trending)', () => {
  const prefix = `test:events-endpoint:${randomUUID()}`;
  const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  let gateway: RunningGateway;
  let artifacts: Artifacts;
  let log: RedisEventLog;
  const viewers = ['u:12'];

  beforeAll(async () => {
    // The harness's setup, but with events, sessions and trending served from Redis.
    artifacts = await loadArtifacts(inject('artifactsDir'));
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', RANKER_THREADS: '1', WARM_UP_ROUNDS: '0', ARTIFACTS_DIR: artifacts.dir, ...ENV });
    const ranker = await startLocalRanker(artifacts, config);
    const embedded = await createEmbeddedServices(artifacts, config, ranker);
    log = new RedisEventLog(redis, { prefix });
    gateway = await startGateway(config, {
      ...embedded,
      events: log,
      sessions: new RedisSessionStore(redis, { prefix }),
      trending: await RedisTrending.open(redis, { prefix, baseline: artifacts.trending }),
    });
  });

  afterAll(async () => {
    await gateway?.close(); // closes the ranker too
    // Only the keys this test created, by name.
    await redis.del(
      `{${prefix}:events}`,
      `{${prefix}:events}:dead`,
      `{${prefix}:events}:counts`,
      `${prefix}:trending`,
      `${prefix}:trending:landmark`,
      ...viewers.map((v) => `${prefix}:session:${v}`),
    );
    redis.disconnect();
  });

  it('reconciles 10,000 events against XLEN of the event and dead-letter streams, and steers the next feed', async () => {
    const { homeFeed, closeness, farthest } = feedHelpers(artifacts, gateway.url);
    const viewer = { 'x-user-id': '12' };
    const before = await homeFeed(viewer);
    const target = farthest(before.coarse);
    const { body, expectedCodes } = mixedBatch(10_000, target);

    const res = await postEvents(gateway.url, body, { ...NDJSON, ...viewer });
    expect(res.status).toBe(200);
    expectReconciled(res.body, expectedCodes);
    expect(await redis.xlen(log.streamKey)).toBe(res.body.accepted);
    expect(await redis.xlen(log.deadKey)).toBe(res.body.deadLettered);
    expect(await log.counts()).toEqual({ accepted: 9_000, deadLettered: 1_000 });
    const [[, dead]] = (await redis.xrange(log.deadKey, '-', '+', 'COUNT', 1)) as [[string, string[]]];
    expect(dead).toEqual(['raw', expect.any(String), 'code', 'MALFORMED_JSON', 'reason', expect.any(String), 'viewer', 'u:12', 'at', expect.any(String)]);

    const after = await homeFeed(viewer);
    expect(after.source).toBe('SESSION');
    expect(closeness(after.coarse, target)).toBeGreaterThan(closeness(before.coarse, target) + 0.1);
    expect(await redis.exists(`${prefix}:session:u:12`)).toBe(1);
    expect(await redis.zscore(`${prefix}:trending`, target)).not.toBeNull();
  });
});
