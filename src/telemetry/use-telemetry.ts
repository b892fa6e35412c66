import type { IncomingMessage } from 'node:http';
import { context as otelContext, trace, type Span } from '@opentelemetry/api';
import { GraphQLError, getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { httpRequestInfo, type HttpRequestInfo } from './http-telemetry.ts';
import { requestHistograms } from './request-histograms.ts';
import { ATTR, SPAN, tracer } from './names.ts';
import { formatServerTiming, type TimingEntry } from './server-timing.ts';
import { failSpan } from './spans.ts';
import { withExtensions } from '../errors.ts';

export interface UseTelemetryOptions {
  /** Operation names used as the `operation` metric label; any other name is "other" (bounded cardinality). */
  readonly operationNames: ReadonlySet<string>;
}

interface OperationState {
  readonly span: Span;
  readonly http: HttpRequestInfo | undefined;
  /** performance.now() at the start of the operation (after the HTTP body was read). */
  readonly startedMs: number;
  operation: string;
  /** The document id the request named (documentId or Apollo's persistedQuery hash). */
  documentId: string | undefined;
  streamed: boolean;
  executeStartMs: number;
  executeMs: number | undefined;
  firstMs: number | undefined;
  cacheHit: boolean | undefined;
  ended: boolean;
}

type ServerContext = { req?: IncomingMessage };

/**
 * The GraphQL side of observability, one Yoga plugin (register it first):
 * - the operation span (`graphql.operation`, child of the HTTP span, active around execution so
 *   pipeline spans nest under it), with operation name, type and document id; for a @defer
 *   response it ends with the last part;
 * - first- and final-payload latency histograms by operation, measured from the request's
 *   arrival at the HTTP layer;
 * - `extensions.requestId` on every error of every payload;
 * - a `Server-Timing` header: edge (arrival to operation start), exec and total for a single
 *   response, edge and first (the headers leave with the first part) for a streamed one.
 */
export function useTelemetry(options: UseTelemetryOptions): Plugin {
  const stateOf = new WeakMap<Request, OperationState>();
  const labelOf = (name: string | null | undefined): string => (name && options.operationNames.has(name) ? name : 'other');

  const finish = (state: OperationState): void => {
    if (state.ended) return;
    state.ended = true;
    const start = state.http?.startMs ?? state.startedMs;
    const now = performance.now();
    const { firstPayload, finalPayload } = requestHistograms();
    firstPayload.record(((state.firstMs ?? now) - start) / 1000, state.operation, state.streamed);
    finalPayload.record((now - start) / 1000, state.operation, state.streamed);
    state.span.end();
  };

  return {
    instrumentation: {
      operation({ context, request }, wrapped) {
        const http = httpRequestInfo((context as ServerContext).req);
        const span = tracer().startSpan(SPAN.GRAPHQL_OPERATION);
        const state: OperationState = {
          span,
          http,
          startedMs: performance.now(),
          operation: 'other',
          documentId: undefined,
          streamed: false,
          executeStartMs: 0,
          executeMs: undefined,
          firstMs: undefined,
          cacheHit: undefined,
          ended: false,
        };
        stateOf.set(request, state);
        if (http && span.isRecording()) span.setAttribute(ATTR.REQUEST_ID, http.id);
        const run = span.isRecording() ? () => otelContext.with(trace.setSpan(otelContext.active(), span), wrapped) : wrapped;
        return Promise.resolve(run()).then(
          () => {
            if (!state.streamed) finish(state);
          },
          (error: unknown) => {
            failSpan(span, error);
            finish(state);
            throw error;
          },
        );
      },
    },
    onParams({ params, request }) {
      const state = stateOf.get(request);
      if (state) state.documentId = documentIdOf(params);
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const state = request ? stateOf.get(request) : undefined;
      if (!state) return;
      const operation = getOperationAST(args.document, args.operationName);
      const name = operation?.name?.value ?? args.operationName ?? null;
      state.operation = labelOf(name);
      state.executeStartMs = performance.now();
      if (state.span.isRecording()) {
        if (name) state.span.setAttribute(ATTR.OPERATION_NAME, name);
        if (operation) state.span.setAttribute(ATTR.OPERATION_TYPE, operation.operation);
        if (state.documentId) state.span.setAttribute(ATTR.DOCUMENT_ID, state.documentId);
        state.span.updateName(name ? `${SPAN.GRAPHQL_OPERATION} ${name}` : SPAN.GRAPHQL_OPERATION);
      }
      const requestId = state.http?.id;
      return {
        onExecuteDone({ result }) {
          state.executeMs = performance.now() - state.executeStartMs;
          if (!isAsyncIterable(result)) {
            const hit = (result.extensions as { responseCache?: { hit?: boolean } } | undefined)?.responseCache?.hit;
            if (hit !== undefined) state.cacheHit = hit;
            if (hit !== undefined && state.span.isRecording()) state.span.setAttribute(ATTR.CACHE_HIT, hit);
            return;
          }
          state.streamed = true;
          return {
            onNext({ result: part, setResult }) {
              state.firstMs ??= performance.now();
              if (requestId) {
                const tagged = withRequestId(part as ExecutionResult, requestId);
                if (tagged !== part) setResult(tagged);
              }
            },
            onEnd() {
              finish(state);
            },
          };
        },
      };
    },
    onResultProcess({ request, result, setResult, serverContext }) {
      const requestId = httpRequestInfo((serverContext as ServerContext).req)?.id ?? stateOf.get(request)?.http?.id;
      if (!requestId || isAsyncIterable(result)) return;
      if (Array.isArray(result)) {
        const tagged = result.map((r) => withRequestId(r, requestId));
        if (tagged.some((r, i) => r !== result[i])) setResult(tagged);
      } else {
        const tagged = withRequestId(result, requestId);
        if (tagged !== result) setResult(tagged);
      }
    },
    onResponse({ request, response, serverContext }) {
      const http = httpRequestInfo((serverContext as ServerContext | undefined)?.req);
      const state = stateOf.get(request);
      if (!http) return;
      const now = performance.now();
      const entries: TimingEntry[] = [];
      if (state) entries.push({ name: 'edge', durMs: state.startedMs - http.startMs });
      if (state?.streamed) {
        entries.push({ name: 'first', durMs: now - http.startMs, desc: 'streamed: headers leave with the first part' });
      } else {
        if (state?.executeMs !== undefined) entries.push({ name: 'exec', durMs: state.executeMs });
        if (state?.cacheHit !== undefined) entries.push({ name: 'cache', desc: state.cacheHit ? 'hit' : 'miss' });
        entries.push({ name: 'total', durMs: now - http.startMs });
      }
      response.headers.set('server-timing', formatServerTiming(entries));
    },
  };
}

/** The document id the request named (`documentId` or Apollo's persistedQuery hash), if any. */
function documentIdOf(params: unknown): string | undefined {
  if (!params || typeof params !== 'object') return undefined;
  const p = params as { documentId?: unknown; extensions?: { persistedQuery?: { sha256Hash?: unknown } } };
  if (typeof p.documentId === 'string') return p.documentId;
  const hash = p.extensions?.persistedQuery?.sha256Hash;
  return typeof hash === 'string' ? `sha256:${hash}` : undefined;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

type AnyResult = ExecutionResult & { incremental?: Array<{ errors?: readonly GraphQLError[] }> };

/**
 * The result with `extensions.requestId` on each error (top level and incremental parts);
 * the same object when it has no errors.
 */
export function withRequestId<T>(result: T, requestId: string): T {
  const r = result as AnyResult;
  const hasTop = (r.errors?.length ?? 0) > 0;
  const hasIncremental = r.incremental?.some((i) => (i.errors?.length ?? 0) > 0) ?? false;
  if (!hasTop && !hasIncremental) return result;
  const tag = (errors: readonly GraphQLError[]): GraphQLError[] => errors.map((e) => tagError(e, requestId));
  return {
    ...r,
    ...(hasTop ? { errors: tag(r.errors!) } : {}),
    ...(hasIncremental ? { incremental: r.incremental!.map((i) => (i.errors?.length ? { ...i, errors: tag(i.errors) } : i)) } : {}),
  } as T;
}

function tagError(error: GraphQLError, requestId: string): GraphQLError {
  if (error.extensions?.requestId === requestId) return error;
  if (!(error instanceof GraphQLError)) {
    const plain = error as { extensions?: Record<string, unknown> };
    return { ...plain, extensions: { ...plain.extensions, requestId } } as unknown as GraphQLError;
  }
  return withExtensions(error, { requestId });
}
