import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, createRedis, parseRedisTarget, type RedisClient } from '../../src/adapters/redis/redis-connection.ts';
import { MemoryGenerations } from '../../src/gateway/response-cache/generations.ts';
import { hasDegradedRanking, stableJson } from '../../src/gateway/response-cache/cache-policy.ts';
import { EMPTY_MEMORY_MS } from '../../src/gateway/response-cache/miss-flights.ts';
import { createGatewayResponseCache } from '../../src/gateway/response-cache/response-cache.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONFIG = { enabled: true, ttlMs: { HOME: 30_000, ITEM_DETAIL: 60_000, SEARCH: 30_000, CHECKOUT: 0 }, maxEntries: 100, staleMs: 0, missWaitMs: 200 };
const DOC = 'query HomeFeed { feed { coarse { degraded } } }';

describe('response cache helpers', () => {
  it('finds a degraded ranking anywhere in the data, the deferred refined part included', () => {
    expect(hasDegradedRanking({ feed: { coarse: { degraded: false }, refined: { degraded: false } } })).toBe(false);
    expect(hasDegradedRanking({ feed: { coarse: { degraded: false }, refined: { degraded: true } } })).toBe(true);
    expect(hasDegradedRanking([{ a: [{ degraded: true }] }])).toBe(true);
    expect(hasDegradedRanking(null)).toBe(false);
  });

  it('keys equal variables equally, whatever their order', () => {
    expect(stableJson({ b: 1, a: { d: [1, 2], c: null } })).toBe(stableJson({ a: { c: null, d: [1, 2] }, b: 1 }));
    expect(stableJson({ a: 1 })).not.toBe(stableJson({ a: 2 }));
  });

  it('scopes keys by viewer and generation; invalidation moves one viewer to a new key', async () => {
    const cache = createGatewayResponseCache({ config: CONFIG, redis: null });
    const a1 = await cache.keyFor('u:1', DOC, 'HomeFeed', { first: 5 });
    const b1 = await cache.keyFor('u:2', DOC, 'HomeFeed', { first: 5 });
    expect(a1).not.toBe(b1);
    expect(await cache.keyFor('u:1', DOC, 'HomeFeed', { first: 6 })).not.toBe(a1);
    expect(await cache.keyFor(null, DOC, 'HomeFeed', { first: 5 })).toMatch(/^gw:rc:anon:/);
    await cache.invalidateViewer('u:1');
    expect(await cache.keyFor('u:1', DOC, 'HomeFeed', { first: 5 })).not.toBe(a1);
    expect(await cache.keyFor('u:2', DOC, 'HomeFeed', { first: 5 })).toBe(b1);
    expect(cache.stats.invalidations).toBe(1);
  });

  it('keeps keys stable across many distinct variables (remembered digests are dropped when full)', async () => {
    const cache = createGatewayResponseCache({ config: CONFIG, redis: null });
    const first = await cache.keyFor('u:1', DOC, 'HomeFeed', { first: 1 });
    const keys = new Set<string>();
    for (let i = 0; i < 5000; i++) keys.add(await cache.keyFor('u:1', DOC, 'HomeFeed', { first: i }));
    expect(keys.size).toBe(5000);
    expect(await cache.keyFor('u:1', DOC, 'HomeFeed', { first: 1 })).toBe(first);
    // A free-text document too long to remember still gets the same key every time.
    const long = `${DOC}\n${'#'.repeat(2000)}`;
    expect(await cache.keyFor('u:1', long, 'HomeFeed', { first: 1 })).toBe(await cache.keyFor('u:1', long, 'HomeFeed', { first: 1 }));
    expect(await cache.keyFor('u:1', long, 'HomeFeed', { first: 1 })).not.toBe(first);
  });

  it('prunes in-memory generation records older than their TTL', async () => {
    let now = 0;
    const generations = new MemoryGenerations(1_000, () => now);
    await generations.bump('a');
    const token = await generations.current('a');
    expect(token).not.toBe('0');
    now = 5_000;
    await generations.bump('b');
    expect(generations.size).toBe(1);
    expect(await generations.current('a')).toBe('0');
  });
});

describe('response cache lookups: stale-while-revalidate and coalesced misses', () => {
  const json = (n: number) => `{"data":{"n":${n}}}`;

  it('serves a fresh entry; past its TTL one request refreshes while the others get it stale', async () => {
    let now = 1_000_000;
    const cache = createGatewayResponseCache({ config: { ...CONFIG, staleMs: 5_000 }, redis: null, now: () => now });
    const key = await cache.keyFor('u:1', DOC, 'HomeFeed', {});
    const cold = await cache.lookup(key, false);
    expect(cold.kind).toBe('miss');
    cache.store(key, json(1), { n: 1 }, 30_000);
    if (cold.kind === 'miss') cold.flight!.end();
    await Promise.resolve();
    expect(await cache.lookup(key, false)).toMatchObject({ kind: 'hit', stored: { json: json(1) } });

    now += 31_000; // past the TTL, inside the stale window
    const refresh = await cache.lookup(key, false);
    expect(refresh).toMatchObject({ kind: 'miss', flight: expect.anything() });
    expect(await cache.lookup(key, false)).toMatchObject({ kind: 'stale', stored: { json: json(1) } });
    expect(await cache.lookup(key, false)).toMatchObject({ kind: 'stale' });
    cache.store(key, json(2), { n: 2 }, 30_000);
    if (refresh.kind === 'miss') refresh.flight!.end();
    await new Promise((done) => setImmediate(done));
    expect(await cache.lookup(key, false)).toMatchObject({ kind: 'hit', stored: { json: json(2) } });
    expect(cache.stats).toMatchObject({ hits: 2, stale: 2, misses: 2, coalesced: 0 });

    now += 36_000; // past the stale window too: gone
    expect(await cache.lookup(key, false)).toMatchObject({ kind: 'miss' });
  });

  /** A cache on a clock the test moves (`clock.now`), holding one answer of `viewer` stored at 0 for 1 s. */
  async function cacheWithAnswer(staleMs: number, viewer: string) {
    const clock = { now: 0 };
    const cache = createGatewayResponseCache({ config: { ...CONFIG, staleMs }, redis: null, now: () => clock.now });
    const key = await cache.keyFor(viewer, DOC, 'HomeFeed', {});
    cache.store(key, json(1), { n: 1 }, 1_000);
    await new Promise((done) => setImmediate(done));
    return { cache, key, clock };
  }

  it('gives the first request past the TTL the stale answer to serve when it can refresh in the background', async () => {
    const { cache, key, clock } = await cacheWithAnswer(5_000, 'u:5');
    clock.now = 2_000;
    const refresh = await cache.lookup(key, true);
    expect(refresh).toMatchObject({ kind: 'refresh', stored: { json: json(1) }, flight: expect.anything() });
    expect(await cache.lookup(key, true)).toMatchObject({ kind: 'stale' }); // one refresh at a time
    cache.store(key, json(2), { n: 2 }, 1_000);
    if (refresh.kind === 'refresh') refresh.flight.end();
    await new Promise((done) => setImmediate(done));
    expect(await cache.lookup(key, true)).toMatchObject({ kind: 'hit', stored: { json: json(2) } });
    expect(cache.stats).toMatchObject({ stale: 2, hits: 1, misses: 0 });
  });

  it('a refresh that stores nothing (degraded) is tried again after EMPTY_MEMORY_MS, the stale answer serving meanwhile', async () => {
    const { cache, key, clock } = await cacheWithAnswer(5_000, 'u:2');
    clock.now = 2_000;
    const refresh = await cache.lookup(key, false);
    expect(refresh.kind).toBe('miss');
    expect(cache.store(key, json(2), { feed: { refined: { degraded: true } } }, 1_000)).toBe(false);
    if (refresh.kind === 'miss') refresh.flight!.end();
    // For EMPTY_MEMORY_MS the stale answer serves without another refresh; then one is tried again.
    expect(await cache.lookup(key, false)).toMatchObject({ kind: 'stale', stored: { json: json(1) } });
    clock.now += EMPTY_MEMORY_MS;
    expect(await cache.lookup(key, false)).toMatchObject({ kind: 'miss', flight: expect.anything() });
  });

  it('does not make requests wait on a key whose last run stored nothing (an anonymous HomeFeed is always degraded)', async () => {
    const cache = createGatewayResponseCache({ config: CONFIG, redis: null });
    const key = await cache.keyFor(null, DOC, 'HomeFeed', {});
    const first = await cache.lookup(key, false);
    expect(cache.store(key, json(1), { feed: { refined: { degraded: true } } }, 30_000)).toBe(false);
    if (first.kind === 'miss') first.flight!.end();
    const started = performance.now();
    expect(await cache.lookup(key, false)).toMatchObject({ kind: 'miss', flight: null });
    expect(await cache.lookup(key, false)).toMatchObject({ kind: 'miss', flight: null });
    expect(performance.now() - started).toBeLessThan(CONFIG.missWaitMs); // nobody waited
  });

  it('answers requests that arrive during a cold miss with its stored answer', async () => {
    const cache = createGatewayResponseCache({ config: CONFIG, redis: null });
    const key = await cache.keyFor('u:3', DOC, 'HomeFeed', {});
    const leader = await cache.lookup(key, false);
    const followers = [cache.lookup(key, false), cache.lookup(key, false)];
    await new Promise((done) => setImmediate(done)); // they are waiting on the leader now
    cache.store(key, json(7), { n: 7 }, 30_000);
    if (leader.kind === 'miss') leader.flight!.end();
    for (const follower of await Promise.all(followers)) expect(follower).toMatchObject({ kind: 'coalesced', stored: { json: json(7) } });
    expect(cache.stats).toMatchObject({ misses: 1, coalesced: 2 });
  });

  it('never serves an invalidated answer stale: the new generation is a new key', async () => {
    const { cache, clock } = await cacheWithAnswer(60_000, 'u:4');
    await cache.invalidateViewer('u:4');
    clock.now = 2_000;
    const after = await cache.keyFor('u:4', DOC, 'HomeFeed', {});
    expect(await cache.lookup(after, false)).toMatchObject({ kind: 'miss', flight: expect.anything() });
    // The next request waits on that refresh (here until missWaitMs, as it is never ended) instead of taking the old answer.
    expect(await cache.lookup(after, false)).toMatchObject({ kind: 'miss', flight: null });
  });
});

describe('response cache invalidation in Redis on a keyspace of 100,000 other keys', () => {
  let redis: RedisClient;
  const prefix = `gwtest:${randomUUID().slice(0, 8)}:rcbulk`;
  const bulkKeys = Array.from({ length: 100_000 }, (_, i) => `${prefix}:other:${i}`);
  const ownKeys: string[] = [];

  beforeAll(async () => {
    redis = await createRedis(parseRedisTarget(REDIS_URL));
    for (let start = 0; start < bulkKeys.length; start += 10_000) {
      const pipeline = redis.pipeline();
      // A safety expiry too, should the test die before its cleanup.
      for (const key of bulkKeys.slice(start, start + 10_000)) pipeline.set(key, 'x', 'PX', 600_000);
      await pipeline.exec();
    }
  }, 60_000);

  afterAll(async () => {
    if (!redis) return;
    for (let start = 0; start < bulkKeys.length; start += 10_000) await redis.unlink(...bulkKeys.slice(start, start + 10_000));
    if (ownKeys.length > 0) await redis.unlink(...ownKeys);
    await closeRedis(redis);
  }, 60_000);

  it('invalidates a viewer with one SET of one key: no KEYS, no SCAN, nothing else touched', async () => {
    const cache = createGatewayResponseCache({ config: CONFIG, redis: { client: redis, prefix } });
    const viewer = 'u:42';
    const genKey = `${prefix}:rc:gen:${encodeURIComponent(viewer)}`;
    ownKeys.push(genKey);
    // Entries of this viewer and of others, as the plugin writes them (SET ... PX).
    const before = await cache.keyFor(viewer, DOC, 'HomeFeed', { first: 5 });
    const other = await cache.keyFor('u:43', DOC, 'HomeFeed', { first: 5 });
    ownKeys.push(before, other);
    await redis.set(before, JSON.stringify({ data: { v: 1 } }), 'PX', 30_000);
    await redis.set(other, JSON.stringify({ data: { v: 2 } }), 'PX', 30_000);

    // Count every command sent while invalidating (ioredis routes all commands through sendCommand).
    const sent: Array<{ name: string; args: unknown[] }> = [];
    const original = redis.sendCommand.bind(redis);
    (redis as { sendCommand: unknown }).sendCommand = (command: { name: string; args: unknown[] }, ...rest: unknown[]) => {
      sent.push({ name: command.name.toLowerCase(), args: command.args });
      return (original as (...a: unknown[]) => unknown)(command, ...rest);
    };
    let elapsedMs: number;
    try {
      const started = performance.now();
      await cache.invalidateViewer(viewer);
      elapsedMs = performance.now() - started;
    } finally {
      (redis as { sendCommand: unknown }).sendCommand = original;
    }

    expect(sent.map((c) => c.name)).toEqual(['set']);
    expect(sent[0]!.args[0]).toBe(genKey);
    expect(sent.some((c) => ['keys', 'scan', 'smembers', 'del', 'unlink'].includes(c.name))).toBe(false);
    expect(elapsedMs).toBeLessThan(100);
    const genTtl = await redis.pttl(genKey);
    expect(genTtl).toBeGreaterThan(60_000);
    expect(genTtl).toBeLessThanOrEqual(60_000 + 60_000);

    // The viewer's next request reads a new key; the other viewer's is unchanged; nothing else moved.
    const after = await cache.keyFor(viewer, DOC, 'HomeFeed', { first: 5 });
    expect(after).not.toBe(before);
    expect(await cache.keyFor('u:43', DOC, 'HomeFeed', { first: 5 })).toBe(other);
    expect(await redis.exists(before, other)).toBe(2);
    let present = 0;
    for (let start = 0; start < bulkKeys.length; start += 10_000) present += await redis.exists(...bulkKeys.slice(start, start + 10_000));
    expect(present).toBe(100_000);
  });
});
