import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { ingestEvents } from '../pipeline/ingest-events.ts';
import type { PipelineServices } from '../pipeline/services.ts';
import type { ErrorCode } from '../errors.ts';
import { sendError, type RouteHandler } from './http-server.ts';
import { nodeHeaders, type ResolveViewer } from './identity.ts';
import { readBodyText } from './read-body-text.ts';

/** The media type `POST /events` accepts: one JSON event per line. */
export const EVENTS_CONTENT_TYPE = 'application/x-ndjson';

export interface EventsEndpointOptions {
  readonly services: Pick<PipelineServices, 'catalog' | 'events' | 'sessions' | 'trending' | 'featureStore'>;
  readonly resolveViewer: ResolveViewer;
}

/**
 * `POST /events`: bulk session events as NDJSON for the viewer identified by the same
 * headers (or JWT) as /graphql. Answers 200 with `{ received, accepted, deadLettered,
 * results, resultsTruncated }`; 401 UNAUTHENTICATED without a viewer, 415 for another
 * content type, 405 for another method, 413 over MAX_BODY_BYTES.
 */
export function createEventsEndpoint(options: EventsEndpointOptions): RouteHandler {
  return async (req, res) => {
    if (req.method !== 'POST') {
      refuse(req, res, 'BAD_REQUEST', 'POST /events only', 405, { allow: 'POST' });
      return;
    }
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (mediaType !== EVENTS_CONTENT_TYPE) {
      refuse(req, res, 'UNSUPPORTED_MEDIA_TYPE', `send events as ${EVENTS_CONTENT_TYPE}, one JSON object per line`);
      return;
    }
    let viewerKey: string | null;
    try {
      const viewer = await options.resolveViewer(nodeHeaders(req));
      viewerKey = viewer.key;
    } catch (error) {
      if (error instanceof GraphQLError && error.extensions.code === 'UNAUTHENTICATED') {
        refuse(req, res, 'UNAUTHENTICATED', error.message);
        return;
      }
      throw error;
    }
    if (!viewerKey) {
      refuse(req, res, 'UNAUTHENTICATED', 'POST /events needs a viewer: a signed-in user or an x-session-id');
      return;
    }
    // The HTTP layer has refused bodies without a Content-Length or over MAX_BODY_BYTES.
    const body = await readBodyText(req);
    let result;
    try {
      result = await ingestEvents(viewerKey, body, options.services);
    } catch (error) {
      // The store is down: 503 tells the client to send the batch again later.
      if (error instanceof GraphQLError && error.extensions.code === 'BACKEND_UNAVAILABLE') {
        sendError(res, 'BACKEND_UNAVAILABLE', error.message, { 'retry-after': '1' }, 503);
        return;
      }
      throw error;
    }
    const json = JSON.stringify(result);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  };
}

/** Refuses before reading the body: close the connection so the unread body is not parsed as a request. */
function refuse(req: IncomingMessage, res: ServerResponse, code: ErrorCode, message: string, status?: number, headers: Record<string, string> = {}): void {
  sendError(res, code, message, { connection: 'close', ...headers }, status);
  req.resume();
}
