import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MemoryCatalog } from '../../src/adapters/memory/memory-catalog.ts';
import { dropPrefix, loadArtifactsIntoRedis } from '../../src/adapters/redis/load-artifacts.ts';
import { RedisCatalog } from '../../src/adapters/redis/redis-catalog.ts';
import { closeRedis, createRedis, parseRedisTarget } from '../../src/adapters/redis/redis-connection.ts';
import type { RedisClient } from '../../src/adapters/redis/redis-connection.ts';
import { RedisFeatureStore } from '../../src/adapters/redis/redis-feature-store.ts';
import { loadArtifacts } from '../../src/offline/artifacts.ts';
import type { Artifacts } from '../../src/offline/artifacts.ts';
import { expectedFeatures, featureStoreContract } from './feature-store.contract.ts';

// The Redis adapters run the suites the in-memory ones run, against the real Redis on
// 127.0.0.1:6379, under a prefix of their own that is removed afterwards.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `gwtest:${randomUUID().slice(0, 8)}:contract`;

let redis: RedisClient;
let artifacts: Artifacts;
let store: RedisFeatureStore;
let catalog: RedisCatalog;

beforeAll(async () => {
  artifacts = await loadArtifacts(inject('artifactsDir'));
  redis = await createRedis(parseRedisTarget(REDIS_URL));
  await loadArtifactsIntoRedis(redis, artifacts, { prefix, retireDelayMs: 0 });
  store = await RedisFeatureStore.open(redis, prefix, { pollMs: 0 });
  catalog = await RedisCatalog.open(redis, prefix, { pollMs: 0 });
});

afterAll(async () => {
  store?.close();
  catalog?.close();
  if (redis) {
    await dropPrefix(redis, prefix);
    await closeRedis(redis);
  }
});

featureStoreContract('redis', async () => ({ store, expected: expectedFeatures(artifacts) }));

describe('RedisFeatureStore beyond the contract', () => {
  it('answers precomputed lists and genres exactly as the artifacts have them', async () => {
    const [headUserId, list] = [...artifacts.precomputed.entries()][0]!;
    // Entries as stored; the in-memory lists add each item's catalog row (a hint Redis has no use for).
    expect(await store.getPrecomputed(headUserId)).toEqual(list.map(({ itemId, score }) => ({ itemId, score })));
    expect(store.genres).toEqual(artifacts.manifest.genres);
    expect(store.dimension).toBe(artifacts.manifest.dimension);
    expect(await store.getTrendingBaseline()).toEqual(artifacts.trending);
  });

  it('keeps years and genre profiles of every item and user of a sample', async () => {
    const rows = [0, 1, 2, 50, artifacts.items.length - 1];
    const items = await store.getItemFeatures(rows.map((r) => artifacts.items[r]!.id));
    rows.forEach((r, k) => expect(items[k]!.year).toBe(artifacts.items[r]!.year));
    const g = artifacts.manifest.genres.length;
    const users = await store.getUserFeatures([artifacts.userIds[5]!]);
    expect(Array.from(users[0]!.genreProfile)).toEqual(Array.from(artifacts.userGenreProfiles.slice(5 * g, 6 * g)));
  });
});

describe('RedisCatalog', () => {
  it('answers getItems as the memory catalog does, null for unknown ids', async () => {
    const memory = new MemoryCatalog(artifacts.items);
    const ids = [...artifacts.items.filter((_, i) => i % 97 === 0).map((item) => item.id), 'no-such-item', artifacts.items[1]!.id];
    expect(await catalog.getItems(ids)).toEqual(await memory.getItems(ids));
    expect(await catalog.getItems([])).toEqual([]);
    expect(catalog.size).toBe(memory.size);
  });

  it('answers has() synchronously for every item and for unknown ids', () => {
    for (const item of artifacts.items) expect(catalog.has(item.id)).toBe(true);
    for (const id of ['no-such-item', '0', '-1', '999999999', '1.5', '', `${artifacts.items.length + 10}`]) expect(catalog.has(id)).toBe(false);
  });
});
