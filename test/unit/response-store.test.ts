import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, createRedis, parseRedisTarget, type RedisClient } from '../../src/adapters/redis/redis-connection.ts';
import { LOCAL_COPY_MS, MemoryResponseStore, RedisResponseStore, storedResponse } from '../../src/gateway/response-cache/response-store.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('MemoryResponseStore', () => {
  it('keeps the most recently used entries, drops the oldest past the bound, and expires by TTL', async () => {
    let now = 0;
    const store = new MemoryResponseStore(2, 0, () => now);
    await store.set('a', '{"data":1}', 1_000);
    await store.set('b', '{"data":2}', 1_000);
    expect(store.peek('a')?.json).toBe('{"data":1}'); // a is now the most recent
    await store.set('c', '{"data":3}', 1_000);
    expect(store.peek('b')).toBeNull();
    expect(store.peek('a')?.json).toBe('{"data":1}');
    now = 1_000;
    expect(store.peek('a')).toBeNull();
    expect(store.size).toBe(1);
  });

  it('keeps an entry staleMs past its TTL, marked by freshUntil, then drops it', async () => {
    let now = 0;
    const store = new MemoryResponseStore(10, 500, () => now);
    const stored = await store.set('a', '{"data":1}', 1_000);
    expect(stored.freshUntil).toBe(1_000);
    now = 1_200;
    expect(store.peek('a')).toBe(stored); // stale: the cache decides whether to serve it
    now = 1_500;
    expect(store.peek('a')).toBeNull();
  });

  it('gives equal answers equal validators and different answers different ones', () => {
    expect(storedResponse('{"data":1}', 0).etag).toBe(storedResponse('{"data":1}', 5).etag);
    expect(storedResponse('{"data":1}', 0).etag).not.toBe(storedResponse('{"data":2}', 0).etag);
    expect(storedResponse('{"data":1}', 0).etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
  });
});

describe('RedisResponseStore', () => {
  let redis: RedisClient;
  const prefix = `gwtest:${randomUUID().slice(0, 8)}:rs`;
  const written: string[] = [];

  beforeAll(async () => {
    redis = await createRedis(parseRedisTarget(REDIS_URL));
  });
  afterAll(async () => {
    if (!redis) return;
    if (written.length > 0) await redis.unlink(...written);
    await closeRedis(redis);
  });

  it('shares entries between gateways through Redis, with their validator and TTL', async () => {
    const key = `${prefix}:a`;
    written.push(key);
    const one = new RedisResponseStore(redis, new MemoryResponseStore(10), 5_000);
    const two = new RedisResponseStore(redis, new MemoryResponseStore(10), 5_000);
    const stored = await one.set(key, '{"data":{"x":1}}', 30_000);
    expect(await two.get(key)).toEqual(stored);
    // Redis keeps it the TTL plus the stale window; freshUntil says when the TTL ends.
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(30_000);
    expect(ttl).toBeLessThanOrEqual(35_000);
    expect(stored.freshUntil).toBeGreaterThan(Date.now() + 25_000);
    expect(await two.get(`${prefix}:missing`)).toBeNull();
  });

  it('keeps a Redis hit locally for at most LOCAL_COPY_MS', async () => {
    const key = `${prefix}:b`;
    written.push(key);
    let now = 0;
    const local = new MemoryResponseStore(10, 0, () => now);
    const reader = new RedisResponseStore(redis, local, 0, () => now);
    await redis.set(key, `30000\n${storedResponse('{"data":2}', 0).etag}\n{"data":2}`, 'PX', 30_000);
    expect(await reader.get(key)).toMatchObject({ json: '{"data":2}', freshUntil: 30_000 });
    await redis.del(key);
    expect((await reader.get(key))?.json).toBe('{"data":2}'); // the local copy
    now = LOCAL_COPY_MS;
    expect(await reader.get(key)).toBeNull();
  });

  it('reads the earlier framing (etag and JSON, fresh while Redis keeps it) and unframed values', async () => {
    const [framed, bare] = [`${prefix}:old`, `${prefix}:bare`];
    written.push(framed, bare);
    const reader = new RedisResponseStore(redis, new MemoryResponseStore(10), 0);
    const etag = storedResponse('{"data":3}', 0).etag;
    await redis.set(framed, `${etag}\n{"data":3}`, 'PX', 30_000);
    await redis.set(bare, '{"data":4}', 'PX', 30_000);
    expect(await reader.get(framed)).toMatchObject({ json: '{"data":3}', etag });
    expect((await reader.get(framed))!.freshUntil).toBeGreaterThan(Date.now());
    expect(await reader.get(bare)).toMatchObject({ json: '{"data":4}', etag: storedResponse('{"data":4}', 0).etag });
  });

  it('serves a local copy, marked stale, when Redis cannot be read; nothing once its stale window is over', async () => {
    const key = `${prefix}:c`;
    written.push(key);
    let now = Date.now();
    const writer = new RedisResponseStore(redis, new MemoryResponseStore(10), 2_000, () => now);
    await writer.set(key, '{"data":5}', 30_000);
    const failing = { get: () => Promise.reject(new Error('connection is closed')) } as unknown as RedisClient;
    const local = new MemoryResponseStore(10, 2_000, () => now);
    const reader = new RedisResponseStore(redis, local, 2_000, () => now);
    await reader.get(key); // a local copy, fresh for LOCAL_COPY_MS
    const cut = new RedisResponseStore(failing, local, 2_000, () => now);
    expect((await cut.get(key))!.freshUntil).toBeGreaterThan(now); // still fresh locally: Redis not asked
    now += LOCAL_COPY_MS + 500;
    const stale = await cut.get(key);
    expect(stale?.json).toBe('{"data":5}');
    expect(stale!.freshUntil).toBeLessThanOrEqual(now);
    now += 2_000;
    await expect(cut.get(key)).rejects.toThrow('connection is closed');
  });
});
