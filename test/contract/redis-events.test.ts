import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisEventLog } from '../../src/adapters/redis/redis-event-log.ts';
import { RedisSessionStore } from '../../src/adapters/redis/redis-session-store.ts';
import { RedisTrending } from '../../src/adapters/redis/redis-trending.ts';
import { updateSession } from '../../src/pipeline/record-event.ts';
import type { SessionState } from '../../src/ports/session-store.ts';
import { eventLogContract } from './event-log.contract.ts';
import { sessionStoreContract } from './session-store.contract.ts';
import { trendingContract } from './trending.contract.ts';

// Every key this file writes starts with PREFIX; only those keys are deleted afterwards.
const PREFIX = `test:events:${randomUUID()}`;
const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
let opened = 0;
const fresh = () => `${PREFIX}:${opened++}`;
/** Every viewer key a test here writes a session for (keys are deleted by name, no SCAN). */
const VIEWERS = ['u:nobody', 'u:a', 's:b', 'u:1', 's:race'];

afterAll(async () => {
  const keys: string[] = [];
  for (let i = 0; i < opened; i++) {
    const p = `${PREFIX}:${i}`;
    keys.push(`{${p}:events}`, `{${p}:events}:dead`, `{${p}:events}:counts`, `${p}:trending`, `${p}:trending:landmark`);
    for (const viewer of VIEWERS) keys.push(`${p}:session:${viewer}`);
  }
  await redis.del(...keys);
  redis.disconnect();
});

sessionStoreContract('redis', async () => new RedisSessionStore(redis, { prefix: fresh() }));
eventLogContract('redis', async () => new RedisEventLog(redis, { prefix: fresh() }));
trendingContract('redis', async (baseline) => RedisTrending.open(redis, { prefix: fresh(), baseline }));

describe('Redis event adapters', () => {
  it('stores valid events in {<prefix>:events} and rejected ones, with the reason, in {<prefix>:events}:dead', async () => {
    const prefix = fresh();
    const log = new RedisEventLog(redis, { prefix });
    const id = await log.append({ viewerKey: 'u:9', itemId: '42', type: 'CLICK', occurredAt: 1_700_000_000_000 });
    await log.deadLetter('{"itemId":"x"}', 'type is required', 's:abc', 'MISSING_FIELD');
    const [[storedId, fields]] = (await redis.xrange(log.streamKey, '-', '+')) as [[string, string[]]];
    expect(storedId).toBe(id);
    expect(fields).toEqual(['viewer', 'u:9', 'item', '42', 'type', 'CLICK', 'at', '1700000000000']);
    const [[, dead]] = (await redis.xrange(log.deadKey, '-', '+')) as [[string, string[]]];
    expect(dead.slice(0, 8)).toEqual(['raw', '{"itemId":"x"}', 'code', 'MISSING_FIELD', 'reason', 'type is required', 'viewer', 's:abc']);
    expect(dead[8]).toBe('at');
  });

  it('keeps a session as binary Float32 with a TTL', async () => {
    const store = new RedisSessionStore(redis, { prefix: fresh(), ttlMs: 60_000 });
    await store.put('u:1', { vector: Float32Array.from([0.5, -1.25]), weight: 1, updatedAt: 5, events: 1, recentItemIds: ['a'] });
    expect((await redis.hgetBuffer(store.key('u:1'), 'v'))!.length).toBe(8);
    const ttl = await redis.pttl(store.key('u:1'));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('loses no fold when many updates of one viewer race', async () => {
    const store = new RedisSessionStore(redis, { prefix: fresh() });
    const bump = (previous: SessionState | null): SessionState => ({
      vector: Float32Array.from([(previous?.vector[0] ?? 0) + 1]),
      weight: 1,
      updatedAt: 0,
      events: (previous?.events ?? 0) + 1,
      recentItemIds: [],
    });
    await Promise.all(Array.from({ length: 10 }, () => updateSession(store, 's:race', bump)));
    const state = await store.get('s:race');
    expect(state!.events).toBe(10);
    expect(state!.vector[0]).toBe(10);
  });

  it('shares one trending landmark and seeds the baseline once per prefix', async () => {
    const prefix = fresh();
    const a = await RedisTrending.open(redis, { prefix, baseline: [{ itemId: 'x', score: 1 }] });
    await a.record('y', 5000, Date.now());
    const b = await RedisTrending.open(redis, { prefix, baseline: [{ itemId: 'x', score: 1 }] });
    expect((await b.top(2)).map((e) => e.itemId)).toEqual(['y', 'x']);
  });
});
