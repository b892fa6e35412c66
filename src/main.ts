import { createEmbeddedServices } from './adapters/embedded-services.ts';
import { ConfigError, loadConfig } from './config.ts';
import { startGateway } from './gateway/gateway.ts';
import { artifactsExist, loadArtifacts } from './offline/artifacts.ts';
import { buildSyntheticArtifacts } from './offline/build-synthetic-artifacts.ts';

/**
 * Composition root: config -> artifacts (built on first start) -> adapters -> gateway.
 * The only place that chooses adapters and installs process-wide handlers.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const startedAt = performance.now();
  if (!artifactsExist(config.artifactsDir)) {
    console.log(`No artifacts in ${config.artifactsDir}: building the synthetic defaults (first start only)...`);
    await buildSyntheticArtifacts({ dir: config.artifactsDir, ...config.synthetic });
  }
  const artifacts = await loadArtifacts(config.artifactsDir);
  const services = await createEmbeddedServices(artifacts, config);
  const gateway = await startGateway(config, services);
  const { manifest } = artifacts;
  console.log(
    `Loaded ${manifest.itemCount} items, ${manifest.userCount} users (d=${manifest.dimension}), ranker ${services.ranker.modelId}; ` +
      `ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
  );
  console.log(`Gateway listening on ${gateway.url}/graphql (${config.production ? 'production' : 'development'} mode)`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing in-flight requests...`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    gateway.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
  process.exit(1);
});
