import type { GraphQLParams } from 'graphql-yoga';

/**
 * Where a request names its persisted document, in order:
 *  - POST body `documentId` ("sha256:<hex>", GraphQL-over-HTTP persisted documents draft);
 *  - GET query string `documentId`;
 *  - Apollo's `extensions.persistedQuery.sha256Hash` (bare hex, version 1), POST or GET.
 * Returns null when the request names none. A plain function: the HTTP edge can call it too.
 */
export function extractDocumentId(params: GraphQLParams & { documentId?: unknown }, url: string): string | null {
  if (typeof params.documentId === 'string') return params.documentId;
  const queryStart = url.indexOf('?');
  if (queryStart >= 0) {
    const fromQuery = new URLSearchParams(url.slice(queryStart + 1)).get('documentId');
    if (fromQuery) return fromQuery;
  }
  return apolloHash(params.extensions);
}

/** Apollo's `extensions.persistedQuery.sha256Hash` (version 1), or null. */
export function apolloHash(extensions: unknown): string | null {
  const persistedQuery = (extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | undefined)?.persistedQuery;
  return persistedQuery?.version === 1 && typeof persistedQuery.sha256Hash === 'string' ? persistedQuery.sha256Hash : null;
}
