import { metrics, ProxyTracerProvider, trace, type Meter, type Tracer } from '@opentelemetry/api';

/**
 * Every span name, metric name and attribute key of the gateway and the inference server, in
 * one place. Library code gets its tracer and meter here (the global API: no-ops until a
 * composition root or a test registers providers). Metric names carry their unit, because the
 * Prometheus serializer does not append it; dots become underscores on /metrics.
 */
export const INSTRUMENTATION_SCOPE = 'personalization-gateway';

export const SPAN = {
  /** Server span of one HTTP request: `<METHOD> <route>`; this prefix is not used as a name. */
  HTTP_REQUEST: 'http.request',
  /** One GraphQL operation (persisted document lookup, context, execution, deferred parts). */
  GRAPHQL_OPERATION: 'graphql.operation',
  /** Candidate generation (the coarse pass): precomputed list, ANN search or trending. */
  CANDIDATES: 'feed.candidates',
  /** One ANN search of the candidate index. */
  CANDIDATE_INDEX_SEARCH: 'candidate_index.search',
  /** One feature-store batch read (a DataLoader batch or a single precomputed-list read). */
  FEATURE_LOAD: 'features.load',
  /** One score() call of a ranker (local worker threads or the remote tier). */
  RANKING: 'ranking.score',
  /** Client span of one gRPC ModelInfer call (one merged micro-batch). */
  MODEL_INFER_CLIENT: 'inference.GRPCInferenceService/ModelInfer',
  /** Server span of one ModelInfer call on the inference server. */
  MODEL_INFER_SERVER: 'inference.GRPCInferenceService/ModelInfer',
  /** One merged batch run by the inference server's dynamic batcher. */
  INFERENCE_BATCH: 'inference.batch',
} as const;

export const METRIC = {
  HTTP_DURATION: 'gateway.http.request.duration_seconds',
  FIRST_PAYLOAD: 'gateway.graphql.first_payload.duration_seconds',
  FINAL_PAYLOAD: 'gateway.graphql.final_payload.duration_seconds',
  RANKING_DURATION: 'gateway.ranking.duration_seconds',
  DEGRADED: 'gateway.ranking.degraded',
  CACHE_LOOKUPS: 'gateway.response_cache.lookups',
  CACHE_STORES: 'gateway.response_cache.stores',
  BREAKER_STATE: 'gateway.inference.breaker.state',
  ENDPOINT_OUTSTANDING: 'gateway.inference.endpoint.outstanding',
  CLIENT_BATCH_ROWS: 'gateway.inference.batch.rows',
  SERVER_BATCH_ROWS: 'inference.batch.rows',
  SERVER_QUEUE_DURATION: 'inference.queue.duration_seconds',
} as const;

export const ATTR = {
  HTTP_METHOD: 'http.request.method',
  HTTP_ROUTE: 'http.route',
  HTTP_STATUS: 'http.response.status_code',
  URL_PATH: 'url.path',
  REQUEST_ID: 'request.id',
  OPERATION_NAME: 'graphql.operation.name',
  OPERATION_TYPE: 'graphql.operation.type',
  DOCUMENT_ID: 'graphql.document.id',
  /** Metric label of the operation name (persisted names only, else "other"). */
  OPERATION: 'operation',
  STREAMED: 'streamed',
  CACHE_HIT: 'gateway.response_cache.hit',
  CANDIDATE_SOURCE: 'feed.candidates.source',
  CANDIDATE_COUNT: 'feed.candidates.count',
  FEATURE_KIND: 'features.kind',
  FEATURE_KEYS: 'features.keys',
  BACKEND: 'backend',
  OUTCOME: 'outcome',
  MODEL: 'ranking.model',
  ROWS: 'ranking.rows',
  REASON: 'reason',
  STAGE: 'stage',
  RESULT: 'result',
  ENDPOINT: 'endpoint',
  RPC_SYSTEM: 'rpc.system',
  RPC_SERVICE: 'rpc.service',
  RPC_METHOD: 'rpc.method',
  RPC_STATUS: 'rpc.grpc.status_code',
  SERVER_ADDRESS: 'server.address',
  BATCH_ROWS: 'inference.batch.rows',
  BATCH_REQUESTS: 'inference.batch.requests',
  INFER_MODEL: 'inference.model',
} as const;

/** Latency buckets in seconds (1 ms .. 5 s). */
export const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5];
/** Batch-size buckets in rows. */
export const ROWS_BUCKETS = [1, 16, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

/**
 * Whether a tracer provider is registered. Without one every span is the API's no-op, and the
 * per-request paths skip creating them (and the context switches around them) altogether.
 */
export function tracingActive(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer(INSTRUMENTATION_SCOPE) !== undefined;
}

/** The tracer of this code base (a proxy: it follows whatever provider is registered later). */
export function tracer(): Tracer {
  return trace.getTracer(INSTRUMENTATION_SCOPE);
}

/**
 * The meter of this code base. Unlike tracers, meters taken before a provider is registered
 * stay no-ops: create instruments when a component starts, not at module load.
 */
export function meter(): Meter {
  return metrics.getMeter(INSTRUMENTATION_SCOPE);
}
