import type { Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config.ts';
import { closeRedis, createRedis, parseRedisTarget, type RedisClient } from '../adapters/redis/redis-connection.ts';
import type { PipelineServices } from '../pipeline/services.ts';
import { silentLogger, type Logger } from '../telemetry/logger.ts';
import { observeResponseCache } from '../telemetry/observers.ts';
import { traceServices } from '../telemetry/traced-services.ts';
import { createDemoRoutes } from './demo/demo-routes.ts';
import { createEventsEndpoint } from './events-endpoint.ts';
import { compilePersistedQueries } from './edge/compiled-documents.ts';
import { compileDeferredQueries } from './edge/deferred-documents.ts';
import { createPersistedEdge } from './edge/persisted-edge.ts';
import { warmUp } from './edge/warm-up.ts';
import { createHttpServer, listen, type RouteHandler } from './http-server.ts';
import { createViewerResolver } from './identity.ts';
import { loadPersistedDocuments } from './persisted-documents.ts';
import { invalidatingSessionStore } from './response-cache/invalidating-session-store.ts';
import { createGatewayResponseCache, type GatewayResponseCache } from './response-cache/response-cache.ts';
import { buildSchema, createGatewayYoga, type GatewayYoga } from './yoga.ts';

export const MANIFEST_PATH = new URL('../../persisted-queries/manifest.json', import.meta.url);

export interface RunningGateway {
  /** http://localhost:<port> */
  readonly url: string;
  readonly server: Server;
  readonly yoga: GatewayYoga;
  /** The response cache (null when RESPONSE_CACHE is off): its counters are `stats`. */
  readonly responseCache: GatewayResponseCache | null;
  /** Stops accepting, lets in-flight requests finish, then closes the services. */
  close(): Promise<void>;
}

/** Wires schema, manifest, identity and services into a listening HTTP server. */
export async function startGateway(
  config: Config,
  baseServices: PipelineServices,
  options: {
    /** The Redis client of the services (REDIS_URL); without it the gateway opens its own for the cache. */
    readonly redis?: RedisClient;
    /** The process logger (main.ts); silent when absent. */
    readonly logger?: Logger;
    /** `GET /metrics` from the composition root's telemetry; absent or null = no such route. */
    readonly metricsEndpoint?: RouteHandler | null;
    /**
     * Another executable schema and its manifest instead of schema.graphql and
     * persisted-queries/ (the bench serves the peers' trivial feed through this same stack).
     */
    readonly definition?: { readonly schema: GraphQLSchema; readonly manifestPath: string };
  } = {},
): Promise<RunningGateway> {
  const schema = options.definition?.schema ?? buildSchema();
  const persisted = loadPersistedDocuments(options.definition?.manifestPath ?? MANIFEST_PATH.pathname, schema);
  const resolveViewer = createViewerResolver(config);
  let ownRedis: RedisClient | null = null;
  let responseCache: GatewayResponseCache | null = null;
  const logger = options.logger ?? silentLogger;
  const log = { warn: (...args: unknown[]) => logger.warn(args.map(String).join(' ')) };
  // Ports decorated with spans and the ranking histogram; the pipeline does not know.
  let services = traceServices(baseServices);
  let unobserveCache = (): void => {};
  if (config.responseCache.enabled) {
    let client = options.redis ?? null;
    if (config.redis && !client) client = ownRedis = await createRedis(parseRedisTarget(config.redis.url));
    responseCache = createGatewayResponseCache({
      config: config.responseCache,
      redis: config.redis && client ? { client, prefix: config.redis.prefix } : null,
      log,
    });
    unobserveCache = observeResponseCache(responseCache.stats);
    // Every write of a viewer's session (recordEvent, POST /events) invalidates their entries.
    const cache = responseCache;
    services = { ...services, sessions: invalidatingSessionStore(baseServices.sessions, (key) => cache.invalidateViewer(key), log) };
  }
  const yoga = createGatewayYoga({ config, schema, services, persisted, resolveViewer, logger, ...(responseCache ? { responseCache } : {}) });
  // The edge answers cache hits and runs compiled documents; the rest goes on to Yoga.
  const compiled = compilePersistedQueries(schema, persisted);
  const deferred = compileDeferredQueries(schema, persisted);
  const edge = createPersistedEdge({ persisted, resolveViewer, responseCache, compiled, deferred, services, yoga });
  if (config.warmUpRounds > 0) {
    const warm = await warmUp(persisted, compiled, deferred, services, config.warmUpRounds);
    logger.info(`warmed up before listening: ${warm.documents} documents, ${warm.runs} runs in ${warm.ms.toFixed(0)} ms`);
  }
  const server = createHttpServer(yoga, { maxBodyBytes: config.maxBodyBytes, logger, edge }, {
    ...(options.metricsEndpoint ? { '/metrics': options.metricsEndpoint } : {}),
    '/events': createEventsEndpoint({ services, resolveViewer }),
    ...createDemoRoutes({ persisted, config }),
  });
  const url = await listen(server, config.port, config.host);
  return {
    url,
    server,
    yoga,
    responseCache,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      unobserveCache();
      await Promise.all([services.ranker.close(), services.remoteRanker?.close(), services.candidateIndex.close?.()]);
      if (ownRedis) await closeRedis(ownRedis);
    },
  };
}
