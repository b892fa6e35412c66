import { createHash } from 'node:crypto';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphqlSync, type GraphQLSchema } from 'graphql';

/**
 * The peers' workload: a 20-item feed with the field shapes of our CoarseFeed document, from
 * data built once in memory, so every framework serves the same bytes and only its own
 * overhead differs.
 */
export const TRIVIAL_FEED_SDL = /* GraphQL */ `
  type Query { feed(surface: Surface! = HOME, first: Int! = 20): Feed! }
  enum Surface { HOME ITEM_DETAIL CHECKOUT SEARCH }
  type Feed { viewer: Viewer! surface: Surface! coarse: Ranking! }
  type Viewer { id: ID! anonymous: Boolean! }
  type Ranking { stage: String! source: String! degraded: Boolean! degradedReason: String latencyMs: Float! items: [Recommendation!]! }
  type Recommendation { position: Int! score: Float! item: Item! }
  type Item { id: ID! title: String! }
`;

/** The same text as persisted-queries/CoarseFeed.graphql (the peers take it as a free-text query). */
export const TRIVIAL_FEED_QUERY = `query CoarseFeed($surface: Surface! = HOME, $first: Int! = 20) {
  feed(surface: $surface, first: $first) {
    viewer { id anonymous }
    surface
    coarse { stage source degraded degradedReason latencyMs items { position score item { id title } } }
  }
}`;

export const TRIVIAL_FEED_ITEMS = 20;

const CATALOG = Array.from({ length: 100 }, (_, i) => ({ id: String(i + 1), title: `Synthetic title ${i + 1}` }));

interface FeedArgs {
  readonly surface: string;
  readonly first: number;
}

const resolvers = {
  Query: {
    feed: (_: unknown, { surface, first }: FeedArgs) => ({
      viewer: { id: '1', anonymous: false },
      surface,
      coarse: {
        stage: 'COARSE',
        source: 'PRECOMPUTED',
        degraded: false,
        degradedReason: null,
        latencyMs: 0.1,
        items: CATALOG.slice(0, first).map((item, i) => ({ position: i + 1, score: 1 - i / 100, item })),
      },
    }),
  },
};

export function trivialFeedSchema(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: TRIVIAL_FEED_SDL, resolvers });
}

/** The response body every peer answers, for the bare node:http floor to send as is. */
export function trivialFeedBody(): string {
  const result = graphqlSync({ schema: trivialFeedSchema(), source: TRIVIAL_FEED_QUERY, variableValues: { surface: 'HOME', first: TRIVIAL_FEED_ITEMS } });
  if (result.errors?.length) throw new Error(`trivial feed: ${result.errors[0]!.message}`);
  return JSON.stringify(result);
}

/** The trivial feed query's persisted id, as our manifest names documents ("sha256:<hex>"). */
export function trivialFeedDocumentId(): string {
  return `sha256:${createHash('sha256').update(TRIVIAL_FEED_QUERY, 'utf8').digest('hex')}`;
}

/** A manifest holding only the trivial feed query (for our gateway serving the peers' workload). */
export function trivialFeedManifest(): string {
  return JSON.stringify({ [trivialFeedDocumentId()]: TRIVIAL_FEED_QUERY });
}
