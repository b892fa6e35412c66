import { GraphQLError } from 'graphql';

/**
 * The error catalogue: every error a client can see, with a stable code (in
 * `extensions.code`), the HTTP status it maps to when it fails the whole request, and what
 * it means. Codes never change meaning; add new ones instead. A test checks that every code
 * is documented in the README.
 */
export const ERRORS = {
  PERSISTED_QUERY_NOT_IN_LIST: { status: 400, meaning: 'The document id is not in the persisted-documents manifest.' },
  PERSISTED_QUERY_ONLY: { status: 400, meaning: 'This deployment accepts persisted documents only; send a documentId instead of query text.' },
  PERSISTED_QUERY_ID_REQUIRED: { status: 400, meaning: 'The request carried neither a documentId, an Apollo persistedQuery hash, nor query text.' },
  BAD_REQUEST: { status: 400, meaning: 'The HTTP request is malformed (body is not JSON, parameters of the wrong type, mutation over GET).' },
  BAD_USER_INPUT: { status: 200, meaning: 'A variable or argument is out of range or of the wrong type.' },
  GRAPHQL_VALIDATION_FAILED: { status: 400, meaning: 'A free-text query does not validate against the schema (development only).' },
  QUERY_TOO_DEEP: { status: 400, meaning: 'A free-text query nests deeper than the configured limit.' },
  INTROSPECTION_DISABLED: { status: 400, meaning: 'Introspection is off in production unless GRAPHQL_INTROSPECTION=true.' },
  UNAUTHENTICATED: { status: 401, meaning: 'The bearer token is missing where required, malformed, forged or expired, or the operation needs a viewer.' },
  ITEM_NOT_FOUND: { status: 200, meaning: 'No catalog item has this id.' },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'The request body is over MAX_BODY_BYTES.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'POST /events needs Content-Type application/x-ndjson.' },
  LENGTH_REQUIRED: { status: 411, meaning: 'A request with a body must send Content-Length.' },
  BACKEND_UNAVAILABLE: { status: 200, meaning: 'A backing store (Redis) is unreachable and the operation cannot be served from in-process state; retry later.' },
  INTERNAL_SERVER_ERROR: { status: 500, meaning: 'An unexpected failure; the message is masked and the gateway keeps serving.' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** A client-facing GraphQL error with a catalogued code. */
export function gatewayError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code, ...extra, http: { status: ERRORS[code].status } },
  });
}

/**
 * The JSON body of a request refused before GraphQL runs (same shape as a GraphQL error
 * response); with the request id in `extensions.requestId` when there is one.
 */
/** The same error with more extensions (a code, a request id), everything else kept. */
export function withExtensions(error: GraphQLError, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, ...extensions },
  });
}

export function errorBody(code: ErrorCode, message: string, requestId?: string): string {
  return JSON.stringify({ errors: [{ message, extensions: requestId ? { code, requestId } : { code } }] });
}
