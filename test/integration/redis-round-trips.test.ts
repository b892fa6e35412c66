import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadArtifactsIntoRedis } from '../../src/adapters/redis/load-artifacts.ts';
import { closeRedis, type RedisClient } from '../../src/adapters/redis/redis-connection.ts';
import type { RunningGateway } from '../../src/gateway/gateway.ts';
import { loadArtifacts, type Artifacts } from '../../src/offline/artifacts.ts';
import { documentId, runPersisted } from '../fixtures/gateway-harness.ts';
import { fetchIncremental } from '../fixtures/incremental.ts';
import { PrivateRedis } from '../fixtures/private-redis.ts';
import { startRedisBackedGateway } from '../fixtures/redis-gateway.ts';
import { trackStoreWaits, type StoreWaits } from '../fixtures/store-waits.ts';

// Round trips to Redis per uncached HomeFeed (coarse, then refined over multipart), counted
// two ways: sequential waits on the stores (what latency pays) and commands Redis executed
// (INFO commandstats of a private redis-server, so no one else's commands are counted).
const PREFIX = 'trips';
const MAX_ROUND_TRIPS = 3;

let redisServer: PrivateRedis;
let admin: RedisClient;
let artifacts: Artifacts;
let gateway: RunningGateway;
let tracked: StoreWaits;
let closeGateway: (() => Promise<void>) | null = null;

beforeAll(async () => {
  artifacts = await loadArtifacts(inject('artifactsDir'));
  redisServer = await PrivateRedis.start();
  admin = await redisServer.connect();
  await loadArtifactsIntoRedis(admin, artifacts, { prefix: PREFIX, retireDelayMs: 0 });
  const started = await startRedisBackedGateway({
    artifacts,
    redisUrl: redisServer.url,
    prefix: PREFIX,
    wrap: (services) => (tracked = trackStoreWaits(services)).services,
  });
  closeGateway = started.close;
  gateway = started.gateway;
}, 60_000);

afterAll(async () => {
  await closeGateway?.();
  if (admin) await closeRedis(admin);
  await redisServer?.stop();
});

async function commandCounts(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const match of String(await admin.info('commandstats')).matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) counts.set(match[1]!, Number(match[2]));
  return counts;
}

/** Commands between two commandstats readings, without the INFO calls themselves. */
function commandsBetween(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [cmd, calls] of after) {
    const n = calls - (before.get(cmd) ?? 0);
    if (n > 0 && cmd !== 'info') out[cmd] = n;
  }
  return out;
}

/** One uncached HomeFeed, both payloads read; returns the round trips and commands it cost. */
async function homeFeed(headers: Record<string, string>): Promise<{ waits: number; commands: Record<string, number>; calls: Record<string, number>; source: string }> {
  const before = await commandCounts();
  tracked.reset();
  const { status, parts } = await fetchIncremental(
    `${gateway.url}/graphql`,
    { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ documentId: documentId('HomeFeed'), variables: { first: 10 } }) },
    'multipart/mixed',
  );
  const waits = tracked.waits();
  const calls = Object.fromEntries(tracked.calls);
  const commands = commandsBetween(before, await commandCounts());
  expect(status).toBe(200);
  const coarse = parts[0]?.body?.data?.feed?.coarse;
  const refined = parts.map((p) => p.body?.incremental?.[0]?.data?.refined).find(Boolean);
  expect(coarse?.degraded).toBe(false);
  expect(refined?.degraded).toBe(false);
  expect(refined?.items).toHaveLength(10);
  expect(refined.items.every((r: { item: { id: string } | null }) => r.item?.id)).toBe(true);
  return { waits, commands, calls, source: coarse.source };
}

describe('Redis round trips per uncached HomeFeed', () => {
  it('reads user, session and precomputed list in one round trip; features, then refined metadata: at most 3', async () => {
    const headUser = [...artifacts.precomputed.keys()][0]!;
    const plainUser = artifacts.userIds.find((id) => !artifacts.precomputed.has(id))!;
    // One warm request per path outside the count (connections, JIT, first ranker call).
    await homeFeed({ 'x-user-id': plainUser });

    const precomputed = await homeFeed({ 'x-user-id': headUser });
    const ann = await homeFeed({ 'x-user-id': plainUser });
    const click = await runPersisted({ graphqlUrl: `${gateway.url}/graphql` }, 'RecordEvent', { input: { itemId: artifacts.items[3]!.id, type: 'CLICK' } }, { 'x-user-id': plainUser });
    expect(click.body.errors).toBeUndefined();
    const session = await homeFeed({ 'x-user-id': plainUser });
    console.log('round trips / commands per HomeFeed:', JSON.stringify({ precomputed, ann, session }));

    expect([precomputed.source, ann.source, session.source]).toEqual(['PRECOMPUTED', 'ANN', 'SESSION']);
    for (const answer of [precomputed, ann, session]) {
      expect(answer.waits).toBeGreaterThanOrEqual(2); // candidates, then their features: it cannot be fewer
      expect(answer.waits).toBeLessThanOrEqual(MAX_ROUND_TRIPS);
      // One store call per kind: user features, session, precomputed list, candidate features,
      // and item metadata for the coarse page and for what the refined page added...
      expect(answer.calls).toMatchObject({ 'featureStore.getUserFeatures': 1, 'sessions.get': 1, 'featureStore.getPrecomputed': 1, 'featureStore.getItemFeatureColumns': 1 });
      expect(answer.calls['catalog.getItems']).toBeGreaterThanOrEqual(1);
      expect(answer.calls['catalog.getItems']).toBeLessThanOrEqual(2);
      // ...each one command: MGET, HGETALL, GET. GET also reads `<prefix>:current`, which the
      // feature store and the catalog poll every second, so a slow request may see those too.
      expect(answer.commands.hgetall).toBe(1);
      expect(answer.commands.mget).toBe(2 + answer.calls['catalog.getItems']!);
      expect(answer.commands.get).toBeGreaterThanOrEqual(1);
      expect(answer.commands.get).toBeLessThanOrEqual(3);
      expect(Object.keys(answer.commands).sort()).toEqual(['get', 'hgetall', 'mget']);
    }
  }, 60_000);
});
