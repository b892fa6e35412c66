import type { Server } from 'node:http';
import type { Config } from '../config.ts';
import type { PipelineServices } from '../pipeline/services.ts';
import { createEventsEndpoint } from './events-endpoint.ts';
import { createHttpServer, listen } from './http-server.ts';
import { createViewerResolver } from './identity.ts';
import { loadPersistedDocuments } from './persisted-documents.ts';
import { buildSchema, createGatewayYoga, type GatewayYoga } from './yoga.ts';

export const MANIFEST_PATH = new URL('../../persisted-queries/manifest.json', import.meta.url);

export interface RunningGateway {
  /** http://localhost:<port> */
  readonly url: string;
  readonly server: Server;
  readonly yoga: GatewayYoga;
  /** Stops accepting, lets in-flight requests finish, then closes the services. */
  close(): Promise<void>;
}

/** Wires schema, manifest, identity and services into a listening HTTP server. */
export async function startGateway(config: Config, services: PipelineServices): Promise<RunningGateway> {
  const schema = buildSchema();
  const persisted = loadPersistedDocuments(MANIFEST_PATH.pathname, schema);
  const resolveViewer = createViewerResolver(config);
  const yoga = createGatewayYoga({ config, schema, services, persisted, resolveViewer });
  const server = createHttpServer(yoga, config, {
    '/events': createEventsEndpoint({ services, resolveViewer, maxBodyBytes: config.maxBodyBytes }),
  });
  const url = await listen(server, config.port, config.host);
  return {
    url,
    server,
    yoga,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await Promise.all([services.ranker.close(), services.remoteRanker?.close()]);
    },
  };
}
