import type { IncomingMessage } from 'node:http';
import { apolloHash } from '../document-id.ts';
import { readBodyText } from '../read-body-text.ts';

/** What the edge needs of a GraphQL request naming a persisted document. */
export interface PersistedRequest {
  /** As named by the client: "sha256:<hex>", or Apollo's bare hex. */
  readonly documentId: string;
  readonly variables: Record<string, unknown>;
  readonly operationName: string | null;
}

/**
 * A GraphQL request as read by the edge: `persisted` when it names a document; `body` is the
 * parsed POST body (or the raw text when it is not JSON), handed to Yoga so it never reads the
 * stream again; `body` is undefined for GET.
 */
export interface EdgeRequest {
  readonly persisted: PersistedRequest | null;
  readonly body?: unknown;
}

/** The persisted parts of GraphQL params (body or query string), or null when they name no document. */
export function persistedParams(params: Record<string, unknown>): PersistedRequest | null {
  const documentId = typeof params.documentId === 'string' ? params.documentId : apolloHash(params.extensions);
  // With free text beside an id, Yoga decides (it refuses or runs the text, by mode).
  if (documentId === null || params.query !== undefined) return null;
  const variables = params.variables ?? {};
  if (variables === null || typeof variables !== 'object' || Array.isArray(variables)) return null;
  const operationName = typeof params.operationName === 'string' ? params.operationName : null;
  return { documentId, variables: variables as Record<string, unknown>, operationName };
}

/** GET /graphql?documentId=...&variables=... (the HTTP layer has checked the JSON parameters). */
export function readGetRequest(url: string): EdgeRequest {
  const start = url.indexOf('?');
  if (start < 0) return { persisted: null };
  const query = new URLSearchParams(url.slice(start + 1));
  const params: Record<string, unknown> = {};
  for (const name of ['documentId', 'operationName', 'query']) {
    const value = query.get(name);
    if (value !== null) params[name] = value;
  }
  for (const name of ['variables', 'extensions']) {
    const value = query.get(name);
    if (value) params[name] = JSON.parse(value);
  }
  return { persisted: persistedParams(params) };
}

/** POST with a JSON body: parsed once here; Yoga gets the parsed body (or the text, to refuse it itself). */
export async function readPostRequest(req: IncomingMessage): Promise<EdgeRequest> {
  const text = await readBodyText(req);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { persisted: null, body: text };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { persisted: null, body: text };
  return { persisted: persistedParams(body as Record<string, unknown>), body };
}
