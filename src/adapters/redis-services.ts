import type { Config } from '../config.ts';
import type { Artifacts } from '../offline/artifacts.ts';
import type { PipelineServices } from '../pipeline/services.ts';
import type { ObservedRanker, Ranker } from '../ports/ranker.ts';
import { createCandidateIndex } from './ann/choose-index.ts';
import { RedisCatalog } from './redis/redis-catalog.ts';
import { closeRedis, createRedis, parseRedisTarget } from './redis/redis-connection.ts';
import { RedisEventLog } from './redis/redis-event-log.ts';
import { RedisFeatureStore } from './redis/redis-feature-store.ts';
import { RedisSessionStore } from './redis/redis-session-store.ts';
import { RedisTrending } from './redis/redis-trending.ts';

/**
 * The services with REDIS_URL set: feature store, catalog, sessions, trending and events in
 * Redis (loaded by `npm run load`); the candidate index and the rankers stay local, from the
 * same artifacts folder (the loaded version must match it: checked here).
 */
export async function createRedisServices(
  artifacts: Artifacts,
  config: Pick<Config, 'budgetsMs' | 'redis'>,
  ranker: Ranker,
  remoteRanker: ObservedRanker | null,
): Promise<{ services: PipelineServices; close(): Promise<void> }> {
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
    const services: PipelineServices = {
      featureStore,
      catalog,
      candidateIndex: await createCandidateIndex(artifacts.itemVectors, artifacts.items.map((i) => i.id), manifest.dimension, { dir: artifacts.dir }),
      ranker,
      remoteRanker,
      sessions: new RedisSessionStore(client, { prefix }),
      events: new RedisEventLog(client, { prefix }),
      trending: await RedisTrending.open(client, { prefix, baseline: await featureStore.getTrendingBaseline() }),
      budgetsMs: config.budgetsMs,
    };
    return {
      services,
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
