import type { ServerResponse } from 'node:http';
import type { ExecutionResult } from 'graphql';
import type { RequestContext } from '../request-context.ts';
import type { DeferredDocument } from './deferred-documents.ts';

/** The forms a deferred answer streams in (Yoga answers 406 to JSON-only clients). */
export type StreamFormat = 'multipart/mixed' | 'text/event-stream';

/** What a streamed answer came to, for the cache: the data of every payload merged. */
export interface StreamedAnswer {
  readonly data: Record<string, unknown>;
  /** False when a deferred part failed: such an answer is not stored. */
  readonly complete: boolean;
}

/** The error a failed deferred part carries (the initial part never streams with errors: Yoga runs those). */
const PART_FAILED = { message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } };

/**
 * Runs a split @defer document on one context: the initial document and every deferred part
 * start together (so the ranker starts as early as under Yoga). Returns null, having written
 * nothing, when the initial payload has errors (the caller lets Yoga run the request, so errors
 * keep Yoga's shape). Otherwise writes the payloads as Yoga does (multipart/mixed parts or SSE
 * `next` events: the initial data with `hasNext: true`, then one `incremental` payload per part
 * as it completes) and resolves once the response has ended.
 */
export function streamDeferred(
  res: ServerResponse,
  document: DeferredDocument,
  context: RequestContext,
  variables: Record<string, unknown>,
  format: StreamFormat,
  /** Headers of the answer, asked for when they leave (with the first payload). */
  headers: () => Record<string, string>,
  onFirstPayload: () => void,
): Promise<StreamedAnswer | null> {
  let write: (json: string, last: boolean) => void = () => {};
  return runDeferred(document, context, variables, {
    initial(result) {
      write = payloadWriter(res, format, headers());
      write(`${document.initial.stringify(result).slice(0, -1)},"hasNext":true}`, false);
      onFirstPayload();
    },
    part(entry, last) {
      write(JSON.stringify({ incremental: [entry], hasNext: !last }), last);
    },
  });
}

/** Where the payloads of a deferred run go as they are ready. */
interface PayloadSink {
  initial(result: ExecutionResult): void;
  /** One `incremental` entry; `last` when no part is left. */
  part(entry: Record<string, unknown>, last: boolean): void;
}

/**
 * Runs a split @defer document to its end and merges the data of every part; `sink` (none for
 * a background refresh of the cache) gets the payloads as they are ready. Null when the initial
 * payload has errors.
 */
export async function runDeferred(
  document: DeferredDocument,
  context: RequestContext,
  variables: Record<string, unknown>,
  sink: PayloadSink | null = null,
): Promise<StreamedAnswer | null> {
  // The documents of one request share its feed plans: the deferred parts reuse the candidates
  // the initial part starts generating; the refined pass itself waits a turn before its heavy
  // work (FeedPlan.refined), so the initial payload is written first.
  const shared: RequestContext = context.feedPlans ? context : { ...context, feedPlans: new Map() };
  const initialRun = document.initial.execute(shared, variables);
  let pending = document.deferred.map((part, index) => ({
    index,
    run: part.compiled.execute(shared, variables).then(
      (result) => ({ index, part, result }),
      () => ({ index, part, result: null as ExecutionResult | null }),
    ),
  }));
  const initial = await initialRun.catch(() => null);
  if (!initial || initial.errors?.length || !initial.data) return null;

  sink?.initial(initial);
  const data = initial.data as Record<string, unknown>;
  let complete = true;
  while (pending.length > 0) {
    // Parts are written as they complete, like Yoga does.
    const done = await Promise.race(pending.map((p) => p.run));
    pending = pending.filter((p) => p.index !== done.index);
    const value = done.result && !done.result.errors?.length ? objectAt(done.result.data, done.part.path) : undefined;
    const entry: Record<string, unknown> = { data: value ?? null, path: done.part.path };
    if (done.part.label !== null) entry.label = done.part.label;
    if (value === undefined) {
      complete = false;
      entry.errors = [{ ...PART_FAILED, path: done.part.path }];
    } else {
      Object.assign(objectAt(data, done.part.path) ?? {}, value);
    }
    sink?.part(entry, pending.length === 0);
  }
  return { data, complete };
}

/** Writes each payload in the form asked; the headers go out with the first one. */
function payloadWriter(res: ServerResponse, format: StreamFormat, headers: Record<string, string>): (json: string, last: boolean) => void {
  if (format === 'multipart/mixed') {
    res.writeHead(200, { ...headers, 'content-type': 'multipart/mixed; boundary="-"' });
    res.write('\r\n---');
    // Each part ends with the boundary: a client's parser knows the part is whole on arrival.
    return (json, last) => {
      res.write(`\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}\r\n---`);
      if (last) res.end('--\r\n');
    };
  }
  res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'content-encoding': 'none' });
  res.write(':\n\n');
  return (json, last) => {
    res.write(`event: next\ndata: ${json}\n\n`);
    if (last) res.end('event: complete\ndata:\n\n');
  };
}

function objectAt(data: unknown, path: readonly string[]): Record<string, unknown> | undefined {
  let node = data;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node !== null && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
}
