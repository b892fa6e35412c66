import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { GraphQLSchema, ValidationRule } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from '../config.ts';
import { gatewayError } from '../errors.ts';
import { createLoaders } from '../pipeline/loaders.ts';
import type { PipelineServices } from '../pipeline/services.ts';
import { silentLogger, yogaLogger, type Logger } from '../telemetry/logger.ts';
import { useTelemetry } from '../telemetry/use-telemetry.ts';
import { extractDocumentId } from './document-id.ts';
import { edgeViewer } from './edge/persisted-edge.ts';
import type { ResolveViewer } from './identity.ts';
import type { PersistedDocuments } from './persisted-documents.ts';
import type { RequestContext } from './request-context.ts';
import { resolvers } from './resolvers.ts';
import type { GatewayResponseCache } from './response-cache/response-cache.ts';
import { useErrorCodes } from './use-error-codes.ts';
import { useValidationRules } from './use-validation-rules.ts';
import { depthLimitRule, noIntrospectionRule } from './validation-rules.ts';

export const SCHEMA_PATH = new URL('../../schema.graphql', import.meta.url);

/** The executable schema: schema.graphql plus the resolvers. Built once at start. */
export function buildSchema(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: readFileSync(SCHEMA_PATH, 'utf8'), resolvers });
}

export interface YogaDependencies {
  readonly config: Pick<Config, 'production' | 'introspection' | 'allowFreeTextQueries' | 'maxQueryDepth'>;
  readonly schema: GraphQLSchema;
  readonly services: PipelineServices;
  readonly persisted: PersistedDocuments;
  readonly resolveViewer: ResolveViewer;
  /** The per-viewer response cache; absent = off. */
  readonly responseCache?: GatewayResponseCache;
  /** Where Yoga's own logs go; silent when absent. */
  readonly logger?: Logger;
}

export type GatewayYoga = YogaServerInstance<Record<string, never>, RequestContext>;

/**
 * The GraphQL engine: Yoga with persisted documents (validated at start, so requests skip
 * parse and validation), @defer over multipart/mixed and text/event-stream, identity in
 * the context, and limits for free-text queries in development.
 */
export function createGatewayYoga(deps: YogaDependencies): GatewayYoga {
  const { config, services, persisted, resolveViewer } = deps;
  const rules: ValidationRule[] = [depthLimitRule(config.maxQueryDepth)];
  if (!config.introspection) rules.push(noIntrospectionRule);
  return createYoga<Record<string, never>, RequestContext>({
    schema: deps.schema,
    graphqlEndpoint: '/graphql',
    graphiql: !config.production,
    landingPage: false,
    extraParamNames: ['documentId'],
    logging: yogaLogger(deps.logger ?? silentLogger),
    maskedErrors: { isDev: !config.production },
    context: async ({ request, req }: { request: Request; req?: IncomingMessage }) => ({
      // The edge verified this viewer already when it handed a cache miss over.
      viewer: edgeViewer(req) ?? (await resolveViewer(request.headers)),
      loaders: createLoaders(services),
      services,
    }),
    plugins: [
      // First: its operation span is the parent of everything the operation does.
      useTelemetry({ operationNames: new Set(Array.from(persisted.all(), (d) => d.operationName)) }),
      // Before anything that reads the document (the response cache, later): it supplies it.
      usePersistedOperations({
        getPersistedOperation: (id) => persisted.get(id)?.document ?? null,
        extractPersistedOperationId: (params, request) => extractDocumentId(params, request.url),
        allowArbitraryOperations: config.allowFreeTextQueries,
        skipDocumentValidation: true,
        customErrors: {
          notFound: () => gatewayError('PERSISTED_QUERY_NOT_IN_LIST', 'unknown document id: it is not in the persisted-documents manifest'),
          persistedQueryOnly: () => gatewayError('PERSISTED_QUERY_ONLY', 'free-text queries are refused here: send a documentId from the manifest'),
          keyNotFound: () => gatewayError('PERSISTED_QUERY_ID_REQUIRED', 'send documentId (or extensions.persistedQuery.sha256Hash)'),
        },
      }),
      // After persisted operations (they supply the document the cache key hashes), before execution.
      ...(deps.responseCache?.plugins ?? []),
      useDeferStream(),
      useValidationRules(rules),
      useErrorCodes(),
    ],
  });
}
