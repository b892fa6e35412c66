import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedServices } from '../../../src/adapters/embedded-services.ts';
import { loadConfig } from '../../../src/config.ts';
import { startGateway } from '../../../src/gateway/gateway.ts';
import { loadArtifacts } from '../../../src/offline/artifacts.ts';
import { createLogger } from '../../../src/telemetry/logger.ts';
import { startGatewayTelemetry } from '../../../src/telemetry/setup.ts';
import { trivialFeedManifest, trivialFeedSchema } from '../trivial-feed.ts';

// Our gateway's whole serving stack (node:http front, persisted-query edge, compiled
// execution, Yoga behind it, telemetry as src/main.ts starts it) on the peers' trivial
// feed resolvers, with their query as the one persisted document: only the stack differs.
const config = loadConfig();
const logger = createLogger({ level: config.telemetry.logLevel, name: 'gateway-trivial' });
const telemetry = startGatewayTelemetry(config);
const manifestPath = join(mkdtempSync(join(tmpdir(), 'gateway-trivial-')), 'manifest.json');
writeFileSync(manifestPath, trivialFeedManifest());
const services = await createEmbeddedServices(await loadArtifacts(config.artifactsDir), config);
const gateway = await startGateway(config, services, {
  logger,
  metricsEndpoint: telemetry.metricsEndpoint,
  definition: { schema: trivialFeedSchema(), manifestPath },
});
console.log(`listening on ${gateway.url}/graphql`);
const stop = (): void => void gateway.close().then(() => telemetry.shutdown()).finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
