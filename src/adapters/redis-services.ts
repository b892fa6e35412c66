import type { Config } from '../config.ts';
import type { Artifacts } from '../offline/artifacts.ts';
import type { PipelineServices } from '../pipeline/services.ts';
import type { ObservedRanker, Ranker } from '../ports/ranker.ts';
import { createCandidateIndex } from './ann/choose-index.ts';
import { RedisCatalog } from './redis/redis-catalog.ts';
import { closeRedis, createRedis, parseRedisTarget, type RedisClient } from './redis/redis-connection.ts';
import { RedisEventLog } from './redis/redis-event-log.ts';
import { RedisFeatureStore } from './redis/redis-feature-store.ts';
import { RedisSessionStore } from './redis/redis-session-store.ts';
import { RedisTrending } from './redis/redis-trending.ts';
import { CompactItems } from './memory/compact-items.ts';
import { MemoryCatalog } from './memory/memory-catalog.ts';
import { MemoryFeatureStore } from './memory/memory-feature-store.ts';
import { StoreBreaker } from './resilient-breaker.ts';
import { ResilientCatalog, ResilientEventLog, ResilientFeatureStore, ResilientSessionStore, ResilientTrending } from './resilient-stores.ts';

/**
 * The services with REDIS_URL set: feature store, catalog, sessions, trending and events in
 * Redis (loaded by `npm run load`); the candidate index and the rankers stay local, from the
 * same artifacts folder (the loaded version must match it: checked here).
 */
export async function createRedisServices(
  artifacts: Artifacts,
  config: Pick<Config, 'budgetsMs' | 'redis'> & Partial<Pick<Config, 'annSearchThreads'>>,
  ranker: Ranker,
  remoteRanker: ObservedRanker | null,
): Promise<{ services: PipelineServices; client: RedisClient; close(): Promise<void> }> {
  if (!config.redis) throw new Error('createRedisServices needs REDIS_URL');
  const { prefix } = config.redis;
  const client = await createRedis(parseRedisTarget(config.redis.url));
  try {
    const [featureStore, catalog] = await Promise.all([RedisFeatureStore.open(client, prefix), RedisCatalog.open(client, prefix)]);
    const { manifest } = artifacts;
    if (featureStore.dimension !== manifest.dimension || catalog.size !== manifest.itemCount) {
      throw new Error(
        `Redis prefix "${prefix}" serves ${catalog.size} items of dimension ${featureStore.dimension}, the artifacts have ` +
          `${manifest.itemCount} of ${manifest.dimension}: run \`npm run load -- --artifacts ${artifacts.dir}\``,
      );
    }
    // Every Redis-backed port goes through one breaker: while Redis is unreachable, feeds answer
    // from in-process state (artifacts' features and catalog, last good trending) with degraded flags.
    const breaker = new StoreBreaker({ callTimeoutMs: config.redis.callTimeoutMs });
    const trending = await RedisTrending.open(client, { prefix, baseline: await featureStore.getTrendingBaseline() });
    const items = new CompactItems(artifacts.items);
    const services: PipelineServices = {
      featureStore: new ResilientFeatureStore(featureStore, new MemoryFeatureStore(artifacts, items), breaker),
      catalog: new ResilientCatalog(catalog, new MemoryCatalog(items), breaker),
      candidateIndex: await createCandidateIndex(artifacts.itemVectors, items.ids, manifest.dimension, { dir: artifacts.dir, searchThreads: config.annSearchThreads ?? 0 }),
      ranker,
      remoteRanker,
      sessions: new ResilientSessionStore(new RedisSessionStore(client, { prefix }), breaker),
      events: new ResilientEventLog(new RedisEventLog(client, { prefix }), breaker),
      trending: new ResilientTrending(trending, artifacts.trending, breaker),
      budgetsMs: config.budgetsMs,
    };
    return {
      services,
      client,
      async close() {
        featureStore.close();
        catalog.close();
        await closeRedis(client);
      },
    };
  } catch (error) {
    await closeRedis(client);
    throw error;
  }
}
