import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ERRORS, errorBody, type ErrorCode } from '../errors.ts';
import { observeHttpRequest, requestIdOf } from '../telemetry/http-telemetry.ts';
import { REQUEST_ID_HEADER } from '../telemetry/request-id.ts';
import { silentLogger, type Logger } from '../telemetry/logger.ts';
import type { GatewayYoga } from './yoga.ts';

export interface HttpServerOptions {
  readonly maxBodyBytes: number;
  /** Access log (debug) and failures (warn); silent when absent. */
  readonly logger?: Logger;
  /** The persisted-query edge for /graphql (answers cache hits itself); absent = straight to Yoga. */
  readonly edge?: (req: IncomingMessage, res: ServerResponse) => void;
}

/** The `http.route` of requests to paths that are neither /graphql nor a route. */
const OTHER_ROUTE = 'other';

/** A route served beside GraphQL (e.g. `POST /events`); runs after the body-size check. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The node:http front: refuses bodies over the limit (or without a length) before any
 * parsing, answers /healthz and the routes, and hands /graphql to the persisted-query edge
 * (which answers cache hits and hands the rest to Yoga), everything else to Yoga.
 */
export function createHttpServer(yoga: GatewayYoga, options: HttpServerOptions, routes: Readonly<Record<string, RouteHandler>> = {}): Server {
  const logger = options.logger ?? silentLogger;
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    const url = req.url ?? '/';
    const path = url.includes('?') ? url.slice(0, url.indexOf('?')) : url;
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    // The edge writes the request id with its other headers in one writeHead: a header set
    // before it would put node:http on its slower path (merging, per request).
    const toEdge = options.edge !== undefined && route === undefined && path === '/graphql';
    // Request id, server span, duration histogram and access log around everything below.
    observeHttpRequest(req, res, route || path === '/graphql' ? path : OTHER_ROUTE, logger, () => handle(req, res, url, route, toEdge), toEdge);
  });
  const handle = (req: IncomingMessage, res: ServerResponse, url: string, route: RouteHandler | undefined, toEdge: boolean): void => {
    const refusal = checkBody(req, options.maxBodyBytes) ?? (route ? null : checkQueryString(url));
    if (refusal) {
      // Connection: close, because the unread body would otherwise be parsed as the next request.
      sendError(res, refusal.code, refusal.message, { connection: 'close' });
      req.resume();
      return;
    }
    if (route) {
      route(req, res).catch((error: unknown) => {
        logger.error({ err: error, reqId: requestIdOf(res), url }, 'route failed');
        if (!res.headersSent) sendError(res, 'INTERNAL_SERVER_ERROR', 'unexpected failure', { connection: 'close' });
        else res.destroy();
        req.resume();
      });
      return;
    }
    if (toEdge) options.edge!(req, res);
    else void yoga(req, res);
  };
  server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
  server.headersTimeout = 66_000;
  return server;
}

function checkBody(req: IncomingMessage, maxBodyBytes: number): { code: ErrorCode; message: string } | null {
  const length = req.headers['content-length'];
  if (length !== undefined) {
    const bytes = Number(length);
    if (bytes > maxBodyBytes) return { code: 'PAYLOAD_TOO_LARGE', message: `request body is ${bytes} bytes; the limit is ${maxBodyBytes}` };
    return null;
  }
  if (req.headers['transfer-encoding'] !== undefined) {
    return { code: 'LENGTH_REQUIRED', message: 'send the request body with a Content-Length' };
  }
  return null;
}

/** GET parameters that must be JSON: Yoga would answer a 500 for them, so refuse them here. */
function checkQueryString(url: string): { code: ErrorCode; message: string } | null {
  const start = url.indexOf('?');
  if (start < 0) return null;
  const params = new URLSearchParams(url.slice(start + 1));
  for (const name of ['variables', 'extensions']) {
    const raw = params.get(name);
    if (!raw) continue;
    try {
      const value: unknown = JSON.parse(raw);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    } catch {
      return { code: 'BAD_REQUEST', message: `the ${name} query parameter must be a JSON object` };
    }
  }
  return null;
}

/**
 * Answers a refused request with a catalogued error body (status from the catalogue unless
 * given), carrying the request id in `extensions.requestId`.
 */
export function sendError(res: ServerResponse, code: ErrorCode, message: string, headers: Record<string, string> = {}, status?: number): void {
  const requestId = requestIdOf(res);
  const body = errorBody(code, message, requestId);
  res.writeHead(status ?? ERRORS[code].status, {
    ...(requestId === undefined ? {} : { [REQUEST_ID_HEADER]: requestId }),
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** Listens and resolves with the base URL (http://localhost:<port>). */
export async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `http://localhost:${(server.address() as AddressInfo).port}`;
}
