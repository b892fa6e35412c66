import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpRequestInfo } from '../../telemetry/http-telemetry.ts';
import { instruments } from '../../telemetry/instruments.ts';
import { ATTR } from '../../telemetry/names.ts';
import { formatServerTiming } from '../../telemetry/server-timing.ts';
import type { ResolveViewer, Viewer } from '../identity.ts';
import type { PersistedDocuments } from '../persisted-documents.ts';
import type { GatewayResponseCache } from '../response-cache/response-cache.ts';
import type { StoredResponse } from '../response-cache/response-store.ts';
import type { GatewayYoga } from '../yoga.ts';
import { readGetRequest, readPostRequest, type EdgeRequest } from './persisted-request.ts';
import { FORMAT_TAG, negotiateFormat, type ResponseFormat } from './response-format.ts';

export interface PersistedEdgeOptions {
  readonly persisted: PersistedDocuments;
  readonly resolveViewer: ResolveViewer;
  readonly responseCache: GatewayResponseCache;
  readonly yoga: GatewayYoga;
}

/** Handles one /graphql request: a cached answer written here, everything else by Yoga. */
export type PersistedEdge = (req: IncomingMessage, res: ServerResponse) => void;

/** The viewer the edge verified for a request it handed to Yoga (so Yoga does not verify it again). */
const viewerOf = new WeakMap<IncomingMessage, Viewer>();

export function edgeViewer(req: IncomingMessage | undefined): Viewer | undefined {
  return req ? viewerOf.get(req) : undefined;
}

const HIT_EXTENSIONS = ',"extensions":{"responseCache":{"hit":true}}}';

/**
 * The edge in front of Yoga for persisted queries, the traffic that dominates production.
 * It reads only what it needs (document id, variables, identity), verifies identity, computes
 * the response-cache key and answers a hit by writing the stored bytes in the form the Accept
 * header asks for, with ETag / 304. Everything else (misses, mutations, free text, GraphiQL,
 * unknown ids, bad credentials) goes to Yoga with the body already parsed, and on a miss the
 * response-cache plugin stores the answer under the key computed here. A private answer is
 * only ever written after the viewer's credentials were verified.
 */
export function createPersistedEdge(options: PersistedEdgeOptions): PersistedEdge {
  const { persisted, resolveViewer, responseCache, yoga } = options;

  const toYoga = (req: IncomingMessage, res: ServerResponse, request: EdgeRequest): void => {
    // @whatwg-node/server uses a parsed `req.body` instead of reading the (consumed) stream.
    if (request.body !== undefined) (req as IncomingMessage & { body?: unknown }).body = request.body;
    void yoga(req, res);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let request: EdgeRequest;
    if (req.method === 'GET') request = readGetRequest(req.url ?? '/');
    else if (req.method === 'POST' && (req.headers['content-type'] ?? '').includes('json')) request = await readPostRequest(req);
    else return void yoga(req, res);

    const named = request.persisted;
    const document = named ? persisted.get(named.documentId) : undefined;
    const format = negotiateFormat(req.headers.accept);
    if (!named || !document || document.operationType !== 'query' || !format || responseCache.ttlMsFor(named.variables) === 0) {
      return toYoga(req, res, request);
    }
    let viewer: Viewer;
    try {
      viewer = await resolveViewer({ get: (name) => headerValue(req, name) });
    } catch {
      return toYoga(req, res, request); // Yoga answers the coded UNAUTHENTICATED error
    }
    const key = await responseCache.keyFor(viewer.key, document.id, document.operationName, named.variables);
    const stored = await responseCache.lookup(key);
    if (stored) return writeHit(req, res, stored, format, document.operationName);
    viewerOf.set(req, viewer);
    responseCache.handOver(req, key);
    toYoga(req, res, request);
  };

  return (req, res) => {
    serve(req, res).catch(() => {
      // Reading the body failed (the client went away): nothing useful can be answered.
      if (!res.headersSent) res.writeHead(400, { connection: 'close' }).end();
      else res.destroy();
    });
  };
}

function headerValue(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name.toLowerCase()];
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

/**
 * A cached answer in the asked form, byte for byte what Yoga writes for a hit: JSON with
 * `extensions.responseCache.hit`, or one part of multipart/mixed, or one SSE `next` event.
 * Private to the viewer, revalidated with its ETag (one per form) on every use.
 */
function writeHit(req: IncomingMessage, res: ServerResponse, stored: StoredResponse, format: ResponseFormat, operation: string): void {
  const etag = `${stored.etag.slice(0, -1)}.${FORMAT_TAG[format]}"`;
  const startMs = httpRequestInfo(req)?.startMs;
  res.setHeader('etag', etag);
  res.setHeader('cache-control', 'private, no-cache');
  res.setHeader('vary', 'Accept, Authorization, X-User-Id, X-Session-Id');
  res.setHeader('x-cache', 'HIT');
  if (startMs !== undefined) {
    res.setHeader('server-timing', formatServerTiming([{ name: 'cache', desc: 'hit' }, { name: 'total', durMs: performance.now() - startMs }]));
  }
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304).end();
  } else {
    const json = stored.json.slice(0, -1) + HIT_EXTENSIONS;
    if (format === 'multipart/mixed') {
      res.writeHead(200, { 'content-type': 'multipart/mixed; boundary="-"' });
      res.end(`\r\n---\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}\r\n-----\r\n`);
    } else if (format === 'text/event-stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'none' });
      res.end(`:\n\nevent: next\ndata: ${json}\n\nevent: complete\ndata:\n\n`);
    } else {
      res.writeHead(200, { 'content-type': `${format}; charset=utf-8`, 'content-length': Buffer.byteLength(json) });
      res.end(json);
    }
  }
  if (startMs !== undefined) {
    const seconds = (performance.now() - startMs) / 1000;
    const attributes = { [ATTR.OPERATION]: operation, [ATTR.STREAMED]: false };
    instruments().firstPayload.record(seconds, attributes);
    instruments().finalPayload.record(seconds, attributes);
  }
}
