import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { dropPrefix, loadArtifactsIntoRedis } from '../../src/adapters/redis/load-artifacts.ts';
import { RedisCatalog } from '../../src/adapters/redis/redis-catalog.ts';
import { closeRedis, createRedis, parseRedisTarget } from '../../src/adapters/redis/redis-connection.ts';
import type { RedisClient } from '../../src/adapters/redis/redis-connection.ts';
import { RedisFeatureStore } from '../../src/adapters/redis/redis-feature-store.ts';
import { keys } from '../../src/adapters/redis/redis-keys.ts';
import { loadArtifacts } from '../../src/offline/artifacts.ts';
import type { Artifacts } from '../../src/offline/artifacts.ts';

// Real Redis on 127.0.0.1:6379; every key lives under this run's own prefix and is removed after.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `gwtest:${randomUUID().slice(0, 8)}:loader`;

let redis: RedisClient;
let artifacts: Artifacts;
const closers: (() => void)[] = [];

beforeAll(async () => {
  artifacts = await loadArtifacts(inject('artifactsDir'));
  redis = await createRedis(parseRedisTarget(REDIS_URL));
});

afterAll(async () => {
  for (const close of closers) close();
  if (redis) {
    await dropPrefix(redis, prefix);
    await closeRedis(redis);
  }
});

async function openStore(pollMs = 0): Promise<RedisFeatureStore> {
  const store = await RedisFeatureStore.open(redis, prefix, { pollMs });
  closers.push(() => store.close());
  return store;
}

/** EXISTS over many keys: one command on a single node, one per key on a Cluster (keys span slots). */
async function existing(keyList: string[]): Promise<number> {
  if (!redis.isCluster) return redis.exists(...keyList);
  return (await Promise.all(keyList.map((key) => redis.exists(key)))).reduce((a, b) => a + b, 0);
}

/** Every per-id key a version of these artifacts has, plus its bookkeeping keys. */
function versionKeys(v: number, buckets = 16): string[] {
  return [
    ...artifacts.items.flatMap((item) => [keys.itemFeatures(prefix, v, buckets, item.id), keys.itemMeta(prefix, v, buckets, item.id)]),
    ...artifacts.userIds.map((id) => keys.userFeatures(prefix, v, buckets, id)),
    ...[...artifacts.precomputed.keys()].map((id) => keys.precomputed(prefix, v, buckets, id)),
    ...[keys.meta, keys.layout, keys.itemIds, keys.userIds, keys.headUserIds, keys.trending].map((key) => key(prefix, v)),
  ];
}

describe('loadArtifactsIntoRedis', () => {
  it('loads version 1, then version 2 while readers opened during the load stay on version 1', async () => {
    expect(await RedisFeatureStore.open(redis, prefix, { pollMs: 0 }).catch((e: Error) => e.message)).toMatch(/no serving version/);
    const first = await loadArtifactsIntoRedis(redis, artifacts, { prefix, retireDelayMs: 0 });
    expect(first).toMatchObject({ version: 1, previousVersion: null, retiredVersions: [] });
    expect(await existing(versionKeys(1))).toBe(versionKeys(1).length);

    const store = await openStore();
    const catalog = await RedisCatalog.open(redis, prefix, { pollMs: 0 });
    closers.push(() => catalog.close());
    expect(store.version).toBe(1);

    // Halfway through the second load, the serving version is still 1, v2 has no meta yet,
    // and a reader opened now is on version 1.
    const midLoad: Promise<{ current: string | null; meta: number; openedOn: number }>[] = [];
    const second = await loadArtifactsIntoRedis(redis, artifacts, {
      prefix,
      chunkSize: 200,
      retireDelayMs: 0,
      onProgress: (done, total) => {
        if (midLoad.length === 0 && done >= total / 2) {
          midLoad.push(
            (async () => ({
              current: await redis.get(keys.current(prefix)),
              meta: await redis.exists(keys.meta(prefix, 2)),
              openedOn: (await openStore()).version,
            }))(),
          );
        }
      },
    });
    expect(await midLoad[0]).toEqual({ current: '1', meta: 0, openedOn: 1 });
    expect(second).toMatchObject({ version: 2, previousVersion: 1, retiredVersions: [1] });
    expect(second.keys).toBe(versionKeys(2).length);

    // Version 1 is gone, key by key; readers that opened on it move to 2 on refresh.
    expect(await existing(versionKeys(1))).toBe(0);
    expect(await existing(versionKeys(2))).toBe(versionKeys(2).length);
    expect(await store.getItemFeatures([artifacts.items[0]!.id])).toEqual([null]);
    await store.refresh();
    await catalog.refresh();
    expect(store.version).toBe(2);
    expect(catalog.version).toBe(2);
    expect((await store.getItemFeatures([artifacts.items[0]!.id]))[0]).not.toBeNull();
    expect((await catalog.getItems([artifacts.items[0]!.id]))[0]!.title).toBe(artifacts.items[0]!.title);
  });

  it('keeps the old version readable until the retire delay has passed', async () => {
    const old = await openStore();
    const oldVersion = old.version;
    const id = artifacts.items[3]!.id;
    const load = loadArtifactsIntoRedis(redis, artifacts, { prefix, retireDelayMs: 400 });
    await vi.waitFor(async () => expect(await redis.get(keys.current(prefix))).toBe(String(oldVersion + 1)), { timeout: 5_000, interval: 10 });
    expect((await old.getItemFeatures([id]))[0]).not.toBeNull();
    expect(await load).toMatchObject({ version: oldVersion + 1, retiredVersions: [oldVersion] });
    await old.refresh();
    expect((await old.getItemFeatures([id]))[0]).not.toBeNull();
  });

  it('polls the serving version on its own', async () => {
    const polling = await openStore(25);
    const before = polling.version;
    await loadArtifactsIntoRedis(redis, artifacts, { prefix, retireDelayMs: 0 });
    await vi.waitFor(() => expect(polling.version).toBe(before + 1), { timeout: 2_000, interval: 10 });
    polling.close(); // its GETs would show up in the round-trip count below
  });

  it('never moves the serving version backwards, and removes a load that lost', async () => {
    const serving = await redis.get(keys.current(prefix));
    await redis.set(keys.current(prefix), '1000');
    const next = Number(await redis.get(keys.versionSeq(prefix))) + 1;
    await expect(loadArtifactsIntoRedis(redis, artifacts, { prefix, retireDelayMs: 0 })).rejects.toThrow(/not switched/);
    expect(await redis.get(keys.current(prefix))).toBe('1000');
    expect(await existing(versionKeys(next))).toBe(0);
    await redis.set(keys.current(prefix), serving!);
  });
});

describe('Redis round trips', () => {
  it('reads a 500-id batch of item features, metadata or users with one MGET each', async () => {
    const store = await openStore();
    const catalog = await RedisCatalog.open(redis, prefix, { pollMs: 0 });
    closers.push(() => catalog.close());
    const ids = artifacts.items.slice(0, 500).map((item) => item.id);
    const spy = vi.spyOn(redis, 'sendCommand');
    // A Cluster gets one MGET per hash-tag bucket (16), sent together; a single node one MGET.
    const mgets = (n: number): string[] => Array.from({ length: redis.isCluster ? 16 * n : n }, () => 'mget');
    try {
      const features = await store.getItemFeatures(ids);
      expect(features.every((f) => f !== null)).toBe(true);
      expect(spy.mock.calls.map(([command]) => command.name)).toEqual(mgets(1));
      spy.mockClear();
      await catalog.getItems(ids);
      await store.getUserFeatures(artifacts.userIds.slice(0, 300));
      await store.getPrecomputed([...artifacts.precomputed.keys()][0]!);
      catalog.has(ids[0]!);
      expect(spy.mock.calls.map(([command]) => command.name)).toEqual([...mgets(2), 'get']);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('createRedis', () => {
  it('fails fast when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const started = Date.now();
    await expect(createRedis(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 300 })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('parses single-node and cluster URLs', () => {
    expect(parseRedisTarget('redis://127.0.0.1:6379/2')).toBe('redis://127.0.0.1:6379/2');
    expect(parseRedisTarget('redis-cluster://a:7000,b:7001')).toEqual({ cluster: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }] });
    expect(() => parseRedisTarget('http://x')).toThrow(/redis:\/\//);
    expect(() => parseRedisTarget('redis-cluster://a')).toThrow(/host:port/);
  });
});
