import type { CodegenConfig } from '@graphql-codegen/cli';
import { persistedManifestPlugin } from './src/codegen/persisted-manifest-plugin.ts';

/**
 * `npm run codegen` writes the resolver types and the persisted-documents manifest.
 * Both are committed; CI regenerates them and fails when they differ.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: 'persisted-queries/*.graphql',
  emitLegacyCommonJSImports: false,
  // Our own plugin is handed over directly instead of being resolved as a package.
  pluginLoader: async (name: string) =>
    name === 'persisted-manifest' ? persistedManifestPlugin : import(name),
  generates: {
    'src/gateway/generated/resolvers-types.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        useIndexSignature: false,
        contextType: '../request-context.ts#RequestContext',
        mappers: {
          Feed: '../../pipeline/feed-plan.ts#FeedPlan',
          Ranking: '../../pipeline/ranking-result.ts#RankingResult',
          Recommendation: '../../pipeline/ranking-result.ts#RankedItem',
          Item: '../../ports/catalog.ts#CatalogItem',
          Viewer: '../identity.ts#Viewer as ViewerIdentity',
        },
        scalars: { ID: { input: 'string', output: 'string' } },
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
      },
    },
    'persisted-queries/manifest.json': {
      plugins: ['persisted-manifest'],
    },
  },
};

export default config;
