import type { IncomingMessage, ServerResponse } from 'node:http';
import { echoRequestId, httpRequestInfo, requestIdHeader } from '../../telemetry/http-telemetry.ts';
import { REQUEST_ID_HEADER } from '../../telemetry/request-id.ts';
import { ATTR, SPAN, tracingActive } from '../../telemetry/names.ts';
import { requestHistograms } from '../../telemetry/request-histograms.ts';
import { formatServerTiming } from '../../telemetry/server-timing.ts';
import { withSpan } from '../../telemetry/spans.ts';
import type { PipelineServices } from '../../pipeline/services.ts';
import { requestContext } from '../request-context.ts';
import { nodeHeaders, type ResolveViewer, type Viewer } from '../identity.ts';
import type { PersistedDocument, PersistedDocuments } from '../persisted-documents.ts';
import type { LeadingMiss } from '../response-cache/miss-flights.ts';
import type { GatewayResponseCache } from '../response-cache/response-cache.ts';
import type { StoredResponse } from '../response-cache/response-store.ts';
import type { GatewayYoga } from '../yoga.ts';
import type { CompiledDocument } from './compiled-documents.ts';
import type { DeferredDocument } from './deferred-documents.ts';
import { runDeferred, streamDeferred, type StreamFormat } from './deferred-stream.ts';
import { readGetRequest, readPostRequest, type EdgeRequest } from './persisted-request.ts';
import { FORMAT_TAG, negotiateFormat, type ResponseFormat } from './response-format.ts';

export interface PersistedEdgeOptions {
  readonly persisted: PersistedDocuments;
  readonly resolveViewer: ResolveViewer;
  /** null when RESPONSE_CACHE is off: the edge then only runs compiled documents. */
  readonly responseCache: GatewayResponseCache | null;
  /** Persisted queries compiled at start (those without @defer), by document id. */
  readonly compiled: ReadonlyMap<string, CompiledDocument>;
  /** Persisted queries with @defer, split into compiled initial and deferred parts, by document id. */
  readonly deferred: ReadonlyMap<string, DeferredDocument>;
  readonly services: PipelineServices;
  readonly yoga: GatewayYoga;
}

/** What running a miss needs, as the edge read it. */
interface Miss {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly request: EdgeRequest;
  readonly document: PersistedDocument;
  readonly variables: Record<string, unknown>;
  readonly format: ResponseFormat;
  readonly viewer: Viewer;
  /** The response-cache key; null when the answer is not cached. */
  readonly key: string | null;
  readonly ttlMs: number;
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
 * header asks for, with ETag / 304 (also an expired answer while it is refreshed in the
 * background, and the answer of another request's miss of the same key it waited for: see
 * GatewayResponseCache.lookup). A miss of a document without @defer runs its compiled
 * form (graphql-jit) and its compiled serializer here, and stores the answer. Everything else
 * (deferred documents, mutations, free text, GraphiQL, unknown ids, bad credentials, and any
 * answer with errors, so that errors always look as Yoga makes them) goes to Yoga with the
 * body already parsed; the response-cache plugin then stores under the key computed here.
 * A private answer is only ever written after the viewer's credentials were verified.
 */
export function createPersistedEdge(options: PersistedEdgeOptions): PersistedEdge {
  const { persisted, resolveViewer, responseCache, compiled, deferred, services, yoga } = options;

  const toYoga = (req: IncomingMessage, res: ServerResponse, request?: EdgeRequest): void => {
    // @whatwg-node/server uses a parsed `req.body` instead of reading the (consumed) stream.
    if (request?.body !== undefined) (req as IncomingMessage & { body?: unknown }).body = request.body;
    echoRequestId(res); // the HTTP layer left the request id to the edge
    void yoga(req, res);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let request: EdgeRequest;
    if (req.method === 'GET') request = readGetRequest(req.url ?? '/');
    else if (req.method === 'POST' && (req.headers['content-type'] ?? '').includes('json')) request = await readPostRequest(req);
    else return toYoga(req, res);

    const named = request.persisted;
    const document = named ? persisted.get(named.documentId) : undefined;
    const format = negotiateFormat(req.headers.accept);
    if (!named || !document || document.operationType !== 'query' || !format) return toYoga(req, res, request);
    const ttlMs = responseCache?.ttlMsFor(named.variables) ?? 0;
    const compiledDocument = compiled.get(document.id);
    // A deferred document streams: over multipart or SSE only (Yoga answers JSON-only clients 406).
    const deferredDocument = format === 'multipart/mixed' || format === 'text/event-stream' ? deferred.get(document.id) : undefined;
    if (ttlMs === 0 && !compiledDocument && !deferredDocument) return toYoga(req, res, request);
    let viewer: Viewer;
    try {
      viewer = await resolveViewer(nodeHeaders(req));
    } catch {
      return toYoga(req, res, request); // Yoga answers the coded UNAUTHENTICATED error
    }

    let key: string | null = null;
    let flight: LeadingMiss | null = null;
    if (responseCache && ttlMs > 0) {
      key = await responseCache.keyFor(viewer.key, document.id, document.operationName, named.variables);
      // What can run without a client, to refresh an expired answer while the stale one is served.
      const refresher = compiledDocument ?? deferred.get(document.id);
      const found = await responseCache.lookup(key, refresher !== undefined);
      if (found.kind === 'refresh') {
        writeAnswer(req, res, found.stored.json, format, document.operationName, { hit: 'stale', etag: found.stored.etag, stored: found.stored });
        return void refreshInBackground({ document, variables: named.variables, viewer, key, ttlMs }, refresher!, found.flight);
      }
      if (found.kind !== 'miss') return writeAnswer(req, res, found.stored.json, format, document.operationName, { hit: found.kind, etag: found.stored.etag, stored: found.stored });
      flight = found.flight;
    }
    const miss: Miss = { req, res, request, document, variables: named.variables, format, viewer, key, ttlMs };
    if (!flight) return void (await runMiss(miss, compiledDocument, deferredDocument));
    // Requests waiting on this key's miss go on when it ends: stored, abandoned, or answered by
    // Yoga (whose plugin stores the answer before writing it).
    const ran = await runMiss(miss, compiledDocument, deferredDocument).catch((error: unknown) => {
      flight.end();
      throw error;
    });
    if (ran === 'yoga') res.once('close', flight.end);
    else flight.end();
  };

  /**
   * Runs an expired answer's operation with no client waiting and stores the answer (unless it
   * has errors or a degraded ranking: the stale answer then serves on, and a later request
   * tries again). Its own budget bounds it, as any request's; failures are dropped.
   */
  const refreshInBackground = async (
    refresh: Pick<Miss, 'document' | 'variables' | 'viewer' | 'ttlMs'> & { readonly key: string },
    runner: CompiledDocument | DeferredDocument,
    flight: LeadingMiss,
  ): Promise<void> => {
    const { document, variables, viewer, key, ttlMs } = refresh;
    const context = requestContext(viewer, services);
    try {
      if ('execute' in runner) {
        const result = await inOperationSpan(document, () => runner.execute(context, variables));
        if (!result.errors?.length) responseCache!.store(key, runner.stringify(result), result.data, ttlMs);
      } else {
        const answer = await inOperationSpan(document, () => runDeferred(runner, context, variables));
        if (answer?.complete) responseCache!.store(key, JSON.stringify({ data: answer.data }), answer.data, ttlMs);
      }
    } catch {
      // Nothing stored: the stale answer serves on, and a request at least EMPTY_MEMORY_MS later refreshes again.
    } finally {
      flight.end();
    }
  };

  /** Runs a miss: the compiled document, or the deferred one streamed; else (and on errors) Yoga. */
  const runMiss = async (miss: Miss, compiledDocument: CompiledDocument | undefined, deferredDocument: DeferredDocument | undefined): Promise<'edge' | 'yoga'> => {
    const { req, res, document, variables, format, viewer, key, ttlMs } = miss;
    if (compiledDocument) {
      const context = requestContext(viewer, services);
      const execStartMs = performance.now();
      const result = await inOperationSpan(document, () => compiledDocument.execute(context, variables)).catch(() => null);
      if (result && !result.errors?.length) {
        const json = compiledDocument.stringify(result);
        const execMs = performance.now() - execStartMs;
        // As Yoga's plugin reports a miss: whether the answer was stored, and for how long.
        const cache = key ? { didCache: responseCache!.store(key, json, result.data, ttlMs), ttl: ttlMs } : null;
        writeAnswer(req, res, json, format, document.operationName, { hit: false, cache, execMs });
        return 'edge';
      }
      // Errors: Yoga runs it again and shapes them (codes, masking, request id) like every other answer.
    }
    if (deferredDocument) {
      const context = requestContext(viewer, services);
      const startMs = httpRequestInfo(req)?.startMs ?? performance.now();
      const headers = (): Record<string, string> => ({
        ...requestIdHeader(req),
        ...(key ? { 'x-cache': 'MISS' } : {}),
        'server-timing': formatServerTiming([{ name: 'first', durMs: performance.now() - startMs, desc: 'compiled; headers leave with the first part' }]),
      });
      const answer = await inOperationSpan(document, () =>
        streamDeferred(res, deferredDocument, context, variables, format as StreamFormat, headers, () => {
          // The first payload leaves now: its time is known only here.
          requestHistograms().firstPayload.record((performance.now() - startMs) / 1000, document.operationName, true);
        }),
      ).catch(() => null);
      if (answer) {
        requestHistograms().finalPayload.record((performance.now() - startMs) / 1000, document.operationName, true);
        if (key && answer.complete) responseCache!.store(key, JSON.stringify({ data: answer.data }), answer.data, ttlMs);
        return 'edge';
      }
      if (res.headersSent) {
        res.destroy(); // failed mid-stream: the client sees a cut answer, as with any stream
        return 'edge';
      }
    }
    if (key) responseCache!.handOver(req, key);
    viewerOf.set(req, viewer);
    toYoga(req, res, miss.request);
    return 'yoga';
  };

  return (req, res) => {
    serve(req, res).catch(() => {
      // Reading the body failed (the client went away): nothing useful can be answered.
      if (!res.headersSent) res.writeHead(400, { ...requestIdHeader(req), connection: 'close' }).end();
      else res.destroy();
    });
  };
}

/** The operation's span, named and described as Yoga's telemetry plugin does for the operations it runs. */
function inOperationSpan<T>(document: PersistedDocument, run: () => Promise<T>): Promise<T> {
  if (!tracingActive()) return run();
  const attributes = { [ATTR.OPERATION_NAME]: document.operationName, [ATTR.OPERATION_TYPE]: document.operationType, [ATTR.DOCUMENT_ID]: document.id };
  return withSpan(`${SPAN.GRAPHQL_OPERATION} ${document.operationName}`, attributes, run);
}

type AnswerKind =
  /** From the cache: fresh, stale (being refreshed meanwhile), or another request's miss waited for. */
  | { readonly hit: 'hit' | 'stale' | 'coalesced'; readonly etag: string; readonly stored: StoredResponse }
  | { readonly hit: false; readonly cache: { readonly didCache: boolean; readonly ttl: number } | null; readonly execMs: number };

/**
 * The text of an answer in one form: JSON, one multipart/mixed part, or one SSE `next` event.
 * A miss writes it as a string: Node then sends headers and body in one write, without a copy.
 */
function answerText(json: string, format: ResponseFormat): string {
  if (format === 'multipart/mixed') {
    return `\r\n---\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}\r\n-----\r\n`;
  }
  if (format === 'text/event-stream') return `:\n\nevent: next\ndata: ${json}\n\nevent: complete\ndata:\n\n`;
  return json;
}

/** Hit bodies by stored answer and form, made once: a hit then writes bytes it already has. */
const hitBodies = new WeakMap<StoredResponse, Partial<Record<ResponseFormat, Buffer>>>();

function hitBody(stored: StoredResponse, format: ResponseFormat): Buffer {
  let bodies = hitBodies.get(stored);
  if (!bodies) hitBodies.set(stored, (bodies = {}));
  return (bodies[format] ??= Buffer.from(answerText(stored.json.slice(0, -1) + HIT_EXTENSIONS, format)));
}

/**
 * An answer (`{"data": ...}`) in the asked form, byte for byte what Yoga writes: JSON, or one
 * part of multipart/mixed, or one SSE `next` event. A hit carries
 * `extensions.responseCache.hit` as Yoga's plugin adds it, and an ETag per form, revalidated
 * on every use (private, no-cache).
 */
function writeAnswer(req: IncomingMessage, res: ServerResponse, data: string, format: ResponseFormat, operation: string, kind: AnswerKind): void {
  const info = httpRequestInfo(req);
  const startMs = info?.startMs;
  // Every header in one writeHead call, none set before: node:http then writes them as given
  // instead of merging them into its per-response header map.
  const headers: Record<string, string | number> = {};
  if (info !== undefined) headers[REQUEST_ID_HEADER] = info.id;
  const etag = kind.hit ? `${kind.etag.slice(0, -1)}.${FORMAT_TAG[format]}"` : undefined;
  if (etag !== undefined) {
    headers.etag = etag;
    headers['cache-control'] = 'private, no-cache';
    headers.vary = 'Accept, Authorization, X-User-Id, X-Session-Id';
  }
  if (kind.hit || kind.cache) headers['x-cache'] = kind.hit === 'stale' ? 'STALE' : kind.hit ? 'HIT' : 'MISS';
  if (startMs !== undefined) {
    // Fixed names and descriptions: formatted directly (as formatServerTiming would).
    const total = `total;dur=${Math.max(0, performance.now() - startMs).toFixed(2)}`;
    headers['server-timing'] = kind.hit ? `cache;desc=${kind.hit}, ${total}` : `exec;dur=${Math.max(0, kind.execMs).toFixed(2)};desc=compiled, ${total}`;
  }
  if (etag !== undefined && req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
  } else {
    const body = kind.hit
      ? hitBody(kind.stored, format)
      : answerText(
          kind.cache ? `${data.slice(0, -1)},"extensions":{"responseCache":{"hit":false,"didCache":${kind.cache.didCache},"ttl":${kind.cache.ttl}}}}` : data,
          format,
        );
    if (format === 'multipart/mixed') {
      headers['content-type'] = 'multipart/mixed; boundary="-"';
    } else if (format === 'text/event-stream') {
      headers['content-type'] = 'text/event-stream';
      if (!kind.hit) headers['cache-control'] = 'no-cache';
      headers['content-encoding'] = 'none';
    } else {
      headers['content-type'] = `${format}; charset=utf-8`;
      headers['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    }
    res.writeHead(200, headers).end(body);
  }
  if (startMs !== undefined) {
    const seconds = (performance.now() - startMs) / 1000;
    const { firstPayload, finalPayload } = requestHistograms();
    firstPayload.record(seconds, operation, false);
    finalPayload.record(seconds, operation, false);
  }
}
