import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROOT_CONTEXT, SpanKind, context, propagation, trace, type Span } from '@opentelemetry/api';
import type { Logger } from './logger.ts';
import { requestHistograms } from './request-histograms.ts';
import { ATTR, tracer, tracingActive } from './names.ts';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.ts';

/** What the HTTP layer knows of a request, for the plugins and handlers that run inside it. */
export interface HttpRequestInfo {
  readonly id: string;
  /** performance.now() when the request reached the server. */
  readonly startMs: number;
  readonly route: string;
}

// A property of the request rather than a WeakMap entry: a WeakMap keyed by short-lived
// requests is an ephemeron table that every scavenge has to walk.
const INFO = Symbol('httpRequestInfo');
type ObservedRequest = IncomingMessage & { [INFO]?: HttpRequestInfo };

/** The request's info (set by `observeHttpRequest`), or undefined for a request it did not see. */
export function httpRequestInfo(req: IncomingMessage | undefined): HttpRequestInfo | undefined {
  return (req as ObservedRequest | undefined)?.[INFO];
}

/** The request id of the request this response answers. */
export function requestIdOf(res: ServerResponse): string | undefined {
  return httpRequestInfo(res.req)?.id;
}

/**
 * Echoes the request id as a header set on the response, for a handler that took that duty
 * (`handlerEchoesId`) and then hands the response to code that sets headers one by one.
 */
export function echoRequestId(res: ServerResponse): void {
  const id = requestIdOf(res);
  if (id !== undefined && !res.headersSent) res.setHeader(REQUEST_ID_HEADER, id);
}

/** The request id as a header to write with a handler's own (`handlerEchoesId`); empty when unobserved. */
export function requestIdHeader(req: IncomingMessage): Record<string, string> {
  const id = httpRequestInfo(req)?.id;
  return id === undefined ? {} : { [REQUEST_ID_HEADER]: id };
}

const headerGetter = {
  keys: (carrier: IncomingMessage['headers']) => Object.keys(carrier),
  get: (carrier: IncomingMessage['headers'], key: string) => carrier[key],
};

/**
 * Starts observing one HTTP request: request id (incoming x-request-id when sane, else a new
 * one) echoed in the response header, unless `handlerEchoesId` (the handler then writes it
 * with the rest of its headers: see `requestIdHeader`); a server span (`<METHOD> <route>`,
 * parent from the W3C `traceparent` header); on close, the span ends and the duration
 * histogram and the access log get method, route and status. Runs `handle` inside the span's
 * context.
 */
export function observeHttpRequest(req: IncomingMessage, res: ServerResponse, route: string, logger: Logger, handle: () => void, handlerEchoesId = false): void {
  const startMs = performance.now();
  const id = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
  const method = req.method ?? 'GET';
  // Nothing traces: no span, no context switch (the duration and the log still are recorded).
  const traced = tracingActive();
  const parent = traced ? propagation.extract(ROOT_CONTEXT, req.headers, headerGetter) : ROOT_CONTEXT;
  const span: Span | null = traced
    ? tracer().startSpan(
        `${method} ${route}`,
        { kind: SpanKind.SERVER, attributes: { [ATTR.HTTP_METHOD]: method, [ATTR.HTTP_ROUTE]: route, [ATTR.REQUEST_ID]: id } },
        parent,
      )
    : null;
  const info: ObservedInfo = { id, startMs, route, method, span, logger };
  (req as ObservedRequest)[INFO] = info;
  if (!handlerEchoesId) res.setHeader(REQUEST_ID_HEADER, id);
  // One shared listener, its state on the request: no closure (nor `once` wrapper) per request.
  res.on('close', onResponseClose);
  if (span?.isRecording()) context.with(trace.setSpan(parent, span), handle);
  else handle();
}

/** What `observeHttpRequest` keeps for the end of the response, beside the public info. */
interface ObservedInfo extends HttpRequestInfo {
  readonly method: string;
  readonly span: Span | null;
  readonly logger: Logger;
}

/** Ends what `observeHttpRequest` started: `this` is the response (emitted once, on close). */
function onResponseClose(this: ServerResponse): void {
  const info = httpRequestInfo(this.req) as ObservedInfo | undefined;
  if (!info) return;
  const { id, startMs, route, method, span, logger } = info;
  const status = this.statusCode;
  const seconds = (performance.now() - startMs) / 1000;
  requestHistograms().httpDuration.record(seconds, method, route, status);
  if (span?.isRecording()) {
    span.setAttribute(ATTR.HTTP_STATUS, status);
    if (status >= 500) span.setStatus({ code: 2 });
    if (!this.writableFinished) span.setAttribute('http.aborted', true);
    span.end();
  }
  if (status >= 500) logger.warn({ reqId: id, method, route, status, ms: seconds * 1000 }, 'request failed');
  else if (logger.isLevelEnabled('debug')) logger.debug({ reqId: id, method, route, status, ms: seconds * 1000 }, 'request');
}
