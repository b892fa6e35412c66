import { createEmbeddedServices, startLocalRanker } from './adapters/embedded-services.ts';
import { RemoteRanker } from './adapters/kserve/remote-ranker.ts';
import { createRedisServices } from './adapters/redis-services.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { startGateway } from './gateway/gateway.ts';
import { artifactsExist, loadArtifacts } from './offline/artifacts.ts';
import { buildSyntheticArtifacts } from './offline/build-synthetic-artifacts.ts';
import { settleHeap } from './runtime/settle-heap.ts';
import { createLogger, type Logger } from './telemetry/logger.ts';
import { startGatewayTelemetry } from './telemetry/setup.ts';

/**
 * Composition root: config -> logger and telemetry -> artifacts (built on first start) ->
 * adapters -> gateway. The only place that chooses adapters, registers the OpenTelemetry
 * providers and installs process-wide handlers.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const startedAt = performance.now();
  const logger = createLogger({ level: config.telemetry.logLevel, name: 'gateway' });
  // Before any component is created: instruments bind to the provider registered now.
  const telemetry = startGatewayTelemetry(config);
  const { services, redis, remote, manifest } = await composeServices(config, logger);
  const settled = settleHeap();
  logger.info(`heap settled before listening: ${settled.beforeMiB.toFixed(0)} -> ${settled.afterMiB.toFixed(0)} MiB in ${settled.ms.toFixed(0)} ms`);
  const gateway = await startGateway(config, services, {
    ...(redis ? { redis: redis.client } : {}),
    logger,
    metricsEndpoint: telemetry.metricsEndpoint,
  });
  logger.info(
    `Loaded ${manifest.itemCount} items, ${manifest.userCount} users (d=${manifest.dimension}), ranker ${services.ranker.modelId}` +
      `${remote ? `, remote ${remote.modelId} on ${config.inference.endpoints.join(', ')}` : ''}` +
      `${redis ? `, state in Redis (prefix ${config.redis!.prefix})` : ', state in memory'}` +
      `${gateway.responseCache ? `, response cache in ${gateway.responseCache.backend}` : ', response cache off'}; ` +
      `ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
  );
  logger.info(
    `telemetry: spans ${telemetry.tracing ? `to ${config.telemetry.otlpEndpoint}` : 'off'}, metrics ${telemetry.metricsEndpoint ? `on ${gateway.url}/metrics` : 'off'}`,
  );
  // Benches and scripts wait for this exact line on stdout.
  logger.info(`Gateway listening on ${gateway.url}/graphql (${config.production ? 'production' : 'development'} mode)`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: finishing in-flight requests...`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    gateway
      .close()
      .then(() => redis?.close())
      .then(() => telemetry.shutdown())
      .then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/**
 * Artifacts (built on first start) -> adapters. A function of its own so that what was loaded
 * and not kept (the item objects, the parsed JSON) is unreachable when the heap is settled.
 */
async function composeServices(config: Config, logger: Logger) {
  if (!artifactsExist(config.artifactsDir)) {
    logger.info(`No artifacts in ${config.artifactsDir}: building the synthetic defaults (first start only)...`);
    await buildSyntheticArtifacts({ dir: config.artifactsDir, ...config.synthetic });
  }
  const artifacts = await loadArtifacts(config.artifactsDir);
  const local = await startLocalRanker(artifacts, config);
  const remote = await connectRemoteRanker(config, local.featureCount, logger);
  // REDIS_URL: features, catalog, sessions, trending and events in Redis; else all in memory.
  const redis = config.redis ? await createRedisServices(artifacts, config, local, remote) : null;
  const services = redis ? redis.services : await createEmbeddedServices(artifacts, config, local, remote);
  return { services, redis, remote, manifest: artifacts.manifest };
}

/** How long the start waits for an inference server to be ready before ranking in-process. */
const REMOTE_CONNECT_TIMEOUT_MS = 3_000;

/**
 * The heavy ranker on the configured inference servers, or null (no INFERENCE_ENDPOINTS, or
 * none ready within the connect timeout: the gateway then ranks in-process and says so).
 */
async function connectRemoteRanker(config: Config, featureCount: number, logger: Logger): Promise<RemoteRanker | null> {
  const { inference } = config;
  if (inference.endpoints.length === 0) return null;
  try {
    return await RemoteRanker.connect({
      endpoints: inference.endpoints,
      modelName: inference.model,
      featureCount,
      deadlineMarginMs: inference.deadlineMarginMs,
      maxBatchRows: inference.maxBatchRows,
      maxBatchDelayUs: inference.maxBatchDelayUs,
      connectTimeoutMs: REMOTE_CONNECT_TIMEOUT_MS,
    });
  } catch (error) {
    logger.warn(`Remote ranking is off: ${(error as Error).message}`);
    return null;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
  process.exit(1);
});
