import { createPublicKey, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { errors as joseErrors, jwtVerify } from 'jose';
import type { Config } from '../config.ts';
import { gatewayError } from '../errors.ts';

/** Who is asking. Built from the request only: never from a GraphQL argument. */
export interface Viewer {
  /** User id, else anonymous session id, else "". */
  readonly id: string;
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly anonymous: boolean;
  /** Key for per-viewer state (session vector, cache scope); null when nothing identifies the viewer. */
  readonly key: string | null;
}

export const ANONYMOUS: Viewer = { id: '', userId: null, sessionId: null, anonymous: true, key: null };

const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Minimal view of request headers, so the edge and Yoga can both call this. */
export interface HeaderSource {
  get(name: string): string | null;
}

export type ResolveViewer = (headers: HeaderSource) => Promise<Viewer>;

/** A node:http request's headers as a HeaderSource (the first value of a repeated header). */
export function nodeHeaders(req: IncomingMessage): HeaderSource {
  return {
    get(name) {
      const value = req.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? (value[0] ?? null) : value;
    },
  };
}

/**
 * Builds the identity resolver for the configured mode. Runs once per request, before
 * execution. Throws an UNAUTHENTICATED GraphQL error for a bad credential; no credential at
 * all gives an anonymous viewer (the cold-start path).
 */
export function createViewerResolver(config: Pick<Config, 'identity' | 'jwt'>): ResolveViewer {
  const verifyToken = config.identity === 'jwt' ? createJwtVerifier(config.jwt) : null;
  return async (headers) => {
    const sessionId = readId(headers, 'x-session-id');
    if (verifyToken) {
      const authorization = headers.get('authorization');
      if (authorization) return userViewer(await verifyToken(authorization), sessionId);
    } else {
      const userId = readId(headers, 'x-user-id');
      if (userId) return userViewer(userId, sessionId);
    }
    if (sessionId) return { id: sessionId, userId: null, sessionId, anonymous: true, key: `s:${sessionId}` };
    return ANONYMOUS;
  };
}

function userViewer(userId: string, sessionId: string | null): Viewer {
  return { id: userId, userId, sessionId, anonymous: false, key: `u:${userId}` };
}

function readId(headers: HeaderSource, name: string): string | null {
  const value = headers.get(name);
  if (value === null || value === '') return null;
  if (!ID_PATTERN.test(value)) throw gatewayError('UNAUTHENTICATED', `${name} must be 1-128 characters of A-Z a-z 0-9 . _ : -`);
  return value;
}

function createJwtVerifier(jwt: Config['jwt']): (authorization: string) => Promise<string> {
  const keys: Array<{ key: Uint8Array | KeyObject; algorithms: string[] }> = [];
  if (jwt.secret) keys.push({ key: new TextEncoder().encode(jwt.secret), algorithms: ['HS256'] });
  if (jwt.publicKeyPem) {
    const key = createPublicKey(jwt.publicKeyPem);
    keys.push({ key, algorithms: key.asymmetricKeyType === 'ec' ? ['ES256'] : ['RS256'] });
  }
  const options = { issuer: jwt.issuer ?? undefined, audience: jwt.audience ?? undefined, requiredClaims: ['sub', 'exp'] };
  return async (authorization) => {
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization);
    if (!match) throw gatewayError('UNAUTHENTICATED', 'Authorization must be "Bearer <JWT>"');
    let lastError: unknown;
    for (const { key, algorithms } of keys) {
      try {
        const { payload } = await jwtVerify(match[1]!, key, { ...options, algorithms });
        if (typeof payload.sub !== 'string' || !ID_PATTERN.test(payload.sub)) {
          throw gatewayError('UNAUTHENTICATED', 'token sub is not a valid user id');
        }
        return payload.sub;
      } catch (error) {
        lastError = error;
      }
    }
    throw gatewayError('UNAUTHENTICATED', describeJwtError(lastError));
  };
}

function describeJwtError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm is not accepted';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `token claim rejected: ${error.claim}`;
  if (error instanceof Error && 'extensions' in error) return error.message;
  return 'token is malformed';
}
