import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, createRedis, parseRedisTarget, type RedisClient } from '../../src/adapters/redis/redis-connection.ts';
import { LOCAL_COPY_MS, MemoryResponseStore, RedisResponseStore, storedResponse } from '../../src/gateway/response-cache/response-store.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('MemoryResponseStore', () => {
  it('keeps the most recently used entries, drops the oldest past the bound, and expires by TTL', async () => {
    let now = 0;
    const store = new MemoryResponseStore(2, () => now);
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

  it('gives equal answers equal validators and different answers different ones', () => {
    expect(storedResponse('{"data":1}').etag).toBe(storedResponse('{"data":1}').etag);
    expect(storedResponse('{"data":1}').etag).not.toBe(storedResponse('{"data":2}').etag);
    expect(storedResponse('{"data":1}').etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
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
    const one = new RedisResponseStore(redis, new MemoryResponseStore(10));
    const two = new RedisResponseStore(redis, new MemoryResponseStore(10));
    const stored = await one.set(key, '{"data":{"x":1}}', 30_000);
    expect(await two.get(key)).toEqual(stored);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    expect(await two.get(`${prefix}:missing`)).toBeNull();
  });

  it('keeps a Redis hit locally for at most LOCAL_COPY_MS', async () => {
    const key = `${prefix}:b`;
    written.push(key);
    let now = 0;
    const local = new MemoryResponseStore(10, () => now);
    const reader = new RedisResponseStore(redis, local, () => now);
    await redis.set(key, `${storedResponse('{"data":2}').etag}\n{"data":2}`, 'PX', 30_000);
    expect((await reader.get(key))?.json).toBe('{"data":2}');
    await redis.del(key);
    expect((await reader.get(key))?.json).toBe('{"data":2}'); // the local copy
    now = LOCAL_COPY_MS;
    expect(await reader.get(key)).toBeNull();
  });
});
