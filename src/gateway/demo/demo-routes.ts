import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SURFACES, type Config } from '../../config.ts';
import { sendError, type RouteHandler } from '../http-server.ts';
import type { PersistedDocuments } from '../persisted-documents.ts';

/** The page's policy: its own scripts, styles and fetches only; nothing inline, no frames. */
export const DEMO_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** What the page learns at load: operation name -> document id, and how identity is sent. */
export interface DemoDocuments {
  readonly operations: Readonly<Record<string, string>>;
  readonly identity: Config['identity'];
  readonly production: boolean;
  readonly surfaces: readonly string[];
}

const STATIC_DIR = new URL('./static/', import.meta.url);

/** Served path -> file under static/ and its media type. */
const STATIC_FILES: ReadonlyArray<readonly [path: string, file: string, type: string]> = [
  ['/demo', 'index.html', 'text/html; charset=utf-8'],
  ['/demo/', 'index.html', 'text/html; charset=utf-8'],
  ['/demo/app.js', 'app.js', 'text/javascript; charset=utf-8'],
  ['/demo/multipart.js', 'multipart.js', 'text/javascript; charset=utf-8'],
  ['/demo/feed-diff.js', 'feed-diff.js', 'text/javascript; charset=utf-8'],
  ['/demo/demo.css', 'demo.css', 'text/css; charset=utf-8'],
  ['/demo/favicon.svg', 'favicon.svg', 'image/svg+xml'],
];

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

function asset(body: Buffer, type: string): Asset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/** The demo's documents, from the manifest loaded at start (ids only; the page never sends query text). */
export function demoDocuments(persisted: PersistedDocuments, config: Pick<Config, 'identity' | 'production'>): DemoDocuments {
  const operations: Record<string, string> = {};
  for (const doc of persisted.all()) operations[doc.operationName] = doc.id;
  return { operations, identity: config.identity, production: config.production, surfaces: SURFACES };
}

/**
 * GET/HEAD routes of the demo page (`/demo`): its static files and `/demo/documents.json`,
 * all read once here, at start. Answers 304 to a matching If-None-Match, 405 to other methods.
 */
export function createDemoRoutes(options: {
  readonly persisted: PersistedDocuments;
  readonly config: Pick<Config, 'identity' | 'production'>;
}): Record<string, RouteHandler> {
  const routes: Record<string, RouteHandler> = {};
  const cache = new Map<string, Asset>();
  for (const [path, file, type] of STATIC_FILES) {
    const body = cache.get(file) ?? asset(readFileSync(new URL(file, STATIC_DIR)), type);
    cache.set(file, body);
    routes[path] = serve(path, body);
  }
  const documents = Buffer.from(JSON.stringify(demoDocuments(options.persisted, options.config)));
  routes['/demo/documents.json'] = serve('/demo/documents.json', asset(documents, 'application/json; charset=utf-8'));
  return routes;
}

function serve(path: string, file: Asset): RouteHandler {
  return async (req, res) => {
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 'BAD_REQUEST', `${path} answers GET and HEAD only`, { allow: 'GET, HEAD', connection: 'close' }, 405);
      return;
    }
    const headers = {
      etag: file.etag,
      // Read once at start and small: revalidate every time, a 304 costs nothing.
      'cache-control': 'no-cache',
      'content-security-policy': DEMO_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    };
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': file.type, 'content-length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  };
}
