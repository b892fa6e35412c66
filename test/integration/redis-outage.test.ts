import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadArtifactsIntoRedis } from '../../src/adapters/redis/load-artifacts.ts';
import { closeRedis } from '../../src/adapters/redis/redis-connection.ts';
import type { RunningGateway } from '../../src/gateway/gateway.ts';
import { loadArtifacts, type Artifacts } from '../../src/offline/artifacts.ts';
import { documentId, runPersisted } from '../fixtures/gateway-harness.ts';
import { fetchIncremental } from '../fixtures/incremental.ts';
import { PrivateRedis } from '../fixtures/private-redis.ts';
import { startRedisBackedGateway } from '../fixtures/redis-gateway.ts';

// A private redis-server on a free loopback port (no persistence), killed and restarted
// mid-load: the gateway must keep answering 200 with data, degraded, and recover by itself.
const PREFIX = 'outage';
const HEALTHY_MS = 800;
const OUTAGE_MS = 2_000;
const RECOVERY_LIMIT_MS = 15_000;
const MAX_REQUESTS = 4_000;
const CONCURRENCY = 3;

let redisServer: PrivateRedis;
let artifacts: Artifacts;
let gateway: RunningGateway;
let closeGateway: (() => Promise<void>) | null = null;
let graphqlUrl: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

/** (Re)starts the private redis-server and loads the artifacts into it under PREFIX. */
async function startRedis(): Promise<void> {
  await redisServer.start();
  const admin = await redisServer.connect();
  try {
    await loadArtifactsIntoRedis(admin, artifacts, { prefix: PREFIX, retireDelayMs: 0 });
  } finally {
    await closeRedis(admin);
  }
}

const stopRedis = (): Promise<void> => redisServer.stop();

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  artifacts = await loadArtifacts(inject('artifactsDir'));
  redisServer = await PrivateRedis.onFreePort();
  await startRedis();
  const started = await startRedisBackedGateway({ artifacts, redisUrl: redisServer.url, prefix: PREFIX });
  closeGateway = started.close;
  gateway = started.gateway;
  graphqlUrl = started.graphqlUrl;
}, 60_000);

afterAll(async () => {
  await closeGateway?.();
  await stopRedis();
  process.off('unhandledRejection', onUnhandled);
});

type Phase = 'healthy' | 'outage' | 'recovery';

interface Sample {
  readonly phase: Phase;
  readonly at: number;
  readonly latencyMs: number;
  readonly status: number;
  readonly ok: boolean;
  readonly coarseDegraded: boolean;
  readonly refinedDegraded: boolean | null;
  readonly reason: string | null;
  /** Where the coarse candidates came from (the local index keeps known users personal in an outage). */
  readonly source: string | null;
  readonly refinedStage: string | null;
}

/** One feed request for a known user: CoarseFeed (plain JSON) or HomeFeed (coarse, then refined over multipart). */
async function feedRequest(phase: Phase, n: number): Promise<Sample> {
  const user = String(1 + (n % 50));
  const started = performance.now();
  if (n % 2 === 0) {
    const response = await runPersisted({ graphqlUrl }, 'CoarseFeed', { first: 10 }, { 'x-user-id': user });
    const coarse = response.body.data?.feed?.coarse;
    return {
      phase,
      at: started,
      latencyMs: performance.now() - started,
      status: response.status,
      ok: !response.body.errors && coarse?.items?.length === 10 && coarse.items.every((r: any) => r.item?.id),
      coarseDegraded: coarse?.degraded === true,
      refinedDegraded: null,
      reason: coarse?.degradedReason ?? null,
      source: coarse?.source ?? null,
      refinedStage: null,
    };
  }
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': user },
    body: JSON.stringify({ documentId: documentId('HomeFeed'), variables: { first: 10 } }),
  };
  const { status, parts } = await fetchIncremental(graphqlUrl, init, 'multipart/mixed');
  const coarse = parts[0]?.body?.data?.feed?.coarse;
  const refined = parts.map((p) => p.body?.incremental?.[0]?.data?.refined).find(Boolean) ?? parts[0]?.body?.data?.feed?.refined;
  const errors = parts.some((p) => p.body?.errors || p.body?.incremental?.some((i: any) => i.errors));
  if (errors || !refined) console.log('HomeFeed answer without refined data', JSON.stringify(parts.map((p) => p.body)).slice(0, 1500));
  return {
    phase,
    at: started,
    latencyMs: performance.now() - started,
    status,
    ok: !errors && coarse?.items?.length === 10 && refined?.items?.length === 10 && coarse.items.every((r: any) => r.item?.id),
    coarseDegraded: coarse?.degraded === true,
    refinedDegraded: refined ? refined.degraded === true : null,
    reason: coarse?.degradedReason ?? refined?.degradedReason ?? null,
    source: coarse?.source ?? null,
    refinedStage: refined?.stage ?? null,
  };
}

/** Two valid events and one that breaks the contract, for viewer 3. */
async function postEvents(): Promise<{ status: number; headers: Headers; body: unknown }> {
  const lines = [{ itemId: '5', type: 'CLICK' }, { itemId: '9', type: 'VIEW' }, { itemId: 'no-such-item', type: 'CLICK' }];
  const response = await fetch(`${gateway.url}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', 'x-user-id': '3' },
    body: lines.map((l) => JSON.stringify(l)).join('\n'),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
}

describe('Redis outage under load', () => {
  it('keeps answering 200 with degraded data while Redis is down, and recovers by itself', async () => {
    // Warm-up (JIT, ranker thread, connections) outside the measured loop.
    for (let i = 0; i < 6; i++) await feedRequest('healthy', i);
    const samples: Sample[] = [];
    let phase: Phase = 'healthy';
    let stop = false;
    let count = 0;
    const worker = async (): Promise<void> => {
      while (!stop && count < MAX_REQUESTS) {
        samples.push(await feedRequest(phase, count++));
      }
    };
    const workers = Array.from({ length: CONCURRENCY }, worker);

    await new Promise((r) => setTimeout(r, HEALTHY_MS));
    // The outage starts when the kill is sent: a request can fail before stopRedis() returns.
    const killedAt = performance.now();
    await stopRedis();
    phase = 'outage';
    await new Promise((r) => setTimeout(r, OUTAGE_MS));

    // recordEvent needs Redis: a coded error, not a 5xx.
    const event = await runPersisted({ graphqlUrl }, 'RecordEvent', { input: { itemId: '5', type: 'CLICK' } }, { 'x-user-id': '3' });
    // ItemDetail resolves from the in-process catalog.
    const item = await runPersisted({ graphqlUrl }, 'ItemDetail', { id: '7' }, { 'x-user-id': '3' });
    // A bulk batch is refused whole with 503 + Retry-After, so the client keeps it and sends it again.
    const eventsInOutage = await postEvents();

    phase = 'recovery';
    const spawnedAt = performance.now();
    await startRedis();
    const restartedAt = performance.now();
    let recoveredAt: number | null = null;
    while (performance.now() - restartedAt < RECOVERY_LIMIT_MS) {
      // Recovered: the last few answers after the restart are all non-degraded.
      const recent = samples.filter((s) => s.phase === 'recovery' && s.at > restartedAt).slice(-8);
      if (recent.length === 8 && recent.every((s) => s.ok && !s.coarseDegraded && s.refinedDegraded !== true)) {
        recoveredAt = recent[0]!.at;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    stop = true;
    await Promise.all(workers);
    const eventsRetried = await postEvents();

    // Requests in flight when Redis died count as outage ones.
    const healthy = samples.filter((s) => s.phase === 'healthy' && s.at + s.latencyMs < killedAt);
    const outage = samples.filter((s) => s.phase !== 'recovery' && s.at + s.latencyMs >= killedAt);
    const outageP99 = p99(outage.map((s) => s.latencyMs));
    console.log(
      `redis outage: ${samples.length} requests; healthy ${healthy.length} (p99 ${p99(healthy.map((s) => s.latencyMs)).toFixed(1)} ms), ` +
        `outage ${outage.length} (p99 ${outageP99.toFixed(1)} ms, ${outage.filter((s) => s.coarseDegraded).length} degraded), ` +
        `recovered ${recoveredAt === null ? 'never' : `${(recoveredAt - restartedAt).toFixed(0)} ms after the reload (${(recoveredAt - spawnedAt).toFixed(0)} ms after redis-server was started again, ${(restartedAt - spawnedAt).toFixed(0)} ms of it loading)`}`,
    );

    const degradedHealthy = healthy.filter((s) => s.coarseDegraded || s.refinedDegraded === true);
    if (degradedHealthy.length > 0) console.log('degraded before the outage', degradedHealthy);
    expect(samples.every((s) => s.status === 200)).toBe(true);
    expect(samples.filter((s) => !s.ok)).toEqual([]);
    expect(healthy.length).toBeGreaterThan(0);
    expect(healthy.every((s) => !s.coarseDegraded && s.refinedDegraded !== true)).toBe(true);
    expect(outage.length).toBeGreaterThan(20);
    // Once the client has noticed the dead connection, every answer is the degraded fallback.
    const settled = outage.filter((s) => s.phase === 'outage' && s.at > killedAt + 200);
    expect(settled.length).toBeGreaterThan(0);
    expect(settled.every((s) => s.coarseDegraded && s.reason === 'BACKEND_UNAVAILABLE' && s.refinedDegraded !== false)).toBe(true);
    // Known users stay personal: their vectors come from the in-process artifacts and their
    // candidates from the local index (not trending), and the light model still ranks them.
    expect(settled.every((s) => s.source === 'ANN' || s.source === 'PRECOMPUTED')).toBe(true);
    expect(settled.filter((s) => s.refinedStage !== null).every((s) => s.refinedStage === 'REFINED')).toBe(true);
    expect(outageP99).toBeLessThan(1_000);

    expect(event.status).toBe(200);
    expect(event.body.errors?.[0]?.extensions?.code).toBe('BACKEND_UNAVAILABLE');
    expect(item.status).toBe(200);
    expect(item.body.data?.item?.id).toBe('7');
    expect(eventsInOutage.status).toBe(503);
    expect(eventsInOutage.headers.get('retry-after')).toBe('1');
    expect((eventsInOutage.body as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('BACKEND_UNAVAILABLE');
    expect(eventsRetried.status).toBe(200);
    expect(eventsRetried.body).toMatchObject({ received: 3, accepted: 2, deadLettered: 1 });

    expect(recoveredAt).not.toBeNull();
    expect(recoveredAt! - restartedAt).toBeLessThan(10_000);
    expect(unhandled).toEqual([]);
  }, 60_000);
});
