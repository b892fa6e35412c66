import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { createYoga } from 'graphql-yoga';
import { createEmbeddedServices } from '../../../src/adapters/embedded-services.ts';
import { loadConfig } from '../../../src/config.ts';
import { createViewerResolver } from '../../../src/gateway/identity.ts';
import type { RequestContext } from '../../../src/gateway/request-context.ts';
import { buildSchema } from '../../../src/gateway/yoga.ts';
import { loadArtifacts } from '../../../src/offline/artifacts.ts';
import { createLoaders } from '../../../src/pipeline/loaders.ts';

/**
 * The baseline for ratios: our schema, resolvers and in-memory services (in-process ranker)
 * behind plain Yoga, with none of the gateway's hot-path work: free-text queries parsed and
 * validated by Yoga, no persisted documents, no response cache, no body-limit front.
 */
const config = loadConfig();
const services = await createEmbeddedServices(await loadArtifacts(config.artifactsDir), config);
const resolveViewer = createViewerResolver(config);
const yoga = createYoga<Record<string, never>, RequestContext>({
  schema: buildSchema(),
  graphiql: false,
  landingPage: false,
  logging: 'warn',
  context: async ({ request }) => ({ viewer: await resolveViewer(request.headers), loaders: createLoaders(services), services }),
  plugins: [useDeferStream()],
});
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`));
process.on('SIGTERM', () => {
  server.close();
  void services.ranker.close().then(() => process.exit(0));
});
