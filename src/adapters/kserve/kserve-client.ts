import * as grpc from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import {
  MAX_MESSAGE_BYTES,
  inferenceClientConstructor,
  type ModelInferRequest,
  type ModelInferResponse,
  type ModelMetadataResponse,
} from '../../kserve/inference-proto.ts';
import type { Deadline } from '../../pipeline/deadline.ts';
import { RankerError, type RankerFailure } from '../../ports/ranker.ts';
import { injectTraceContext } from '../../telemetry/grpc-trace-context.ts';
import { ATTR, SPAN, tracer } from '../../telemetry/names.ts';

/** HTTP/2 pings on an idle connection, so a dead peer is noticed before a request needs it. */
export const KEEPALIVE_TIME_MS = 30_000;
export const KEEPALIVE_TIMEOUT_MS = 10_000;
/** Reconnect backoff after a lost connection; bounded low so a restarted server is found quickly. */
export const INITIAL_RECONNECT_BACKOFF_MS = 200;
export const MAX_RECONNECT_BACKOFF_MS = 5_000;

export interface KServeClientOptions {
  readonly initialReconnectBackoffMs?: number;
  readonly maxReconnectBackoffMs?: number;
}

type Callback<T> = (error: grpc.ServiceError | null, response?: T) => void;
type UnaryMethod<Req, Res> = (request: Req, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<Res>) => grpc.ClientUnaryCall;

interface InferenceClient extends grpc.Client {
  ServerReady: UnaryMethod<Record<string, never>, { ready: boolean }>;
  ModelReady: UnaryMethod<{ name: string; version: string }, { ready: boolean }>;
  ModelMetadata: UnaryMethod<{ name: string; version: string }, ModelMetadataResponse>;
  ModelInfer: UnaryMethod<ModelInferRequest, ModelInferResponse>;
}

/** gRPC status -> the ranker port's failure reason. */
export function rankerFailureOf(code: grpc.status): RankerFailure {
  switch (code) {
    case grpc.status.DEADLINE_EXCEEDED:
      return 'DEADLINE_EXCEEDED';
    case grpc.status.RESOURCE_EXHAUSTED:
      return 'OVERLOADED';
    default:
      return 'BACKEND_UNAVAILABLE';
  }
}

/** Thrown (not a RankerError) when the caller aborted the call, e.g. the losing copy of a hedge. */
export class CallCancelledError extends Error {
  constructor(address: string) {
    super(`call to ${address} cancelled`);
    this.name = 'CallCancelledError';
  }
}

/**
 * One Open Inference Protocol endpoint (host:port, plaintext) on its own channel. Every call
 * carries the caller's absolute deadline as its gRPC deadline; failures are RankerErrors.
 * Safe to call concurrently; `close()` fails calls in flight.
 */
export class KServeClient {
  private readonly client: InferenceClient;

  constructor(readonly address: string, options: KServeClientOptions = {}) {
    const Client = inferenceClientConstructor();
    this.client = new Client(address, grpc.credentials.createInsecure(), {
      'grpc.keepalive_time_ms': KEEPALIVE_TIME_MS,
      'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
      'grpc.keepalive_permit_without_calls': 0,
      'grpc.initial_reconnect_backoff_ms': options.initialReconnectBackoffMs ?? INITIAL_RECONNECT_BACKOFF_MS,
      'grpc.max_reconnect_backoff_ms': options.maxReconnectBackoffMs ?? MAX_RECONNECT_BACKOFF_MS,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    }) as unknown as InferenceClient;
  }

  /**
   * ModelInfer. The request's `timeout` parameter is the caller's business (see encodeInferRequest).
   * A client span wraps the call and its W3C trace context travels in the metadata (`traceparent`).
   */
  infer(request: ModelInferRequest, deadline: Deadline, signal?: AbortSignal): Promise<ModelInferResponse> {
    const span = tracer().startSpan(SPAN.MODEL_INFER_CLIENT, {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR.RPC_SYSTEM]: 'grpc',
        [ATTR.RPC_SERVICE]: 'inference.GRPCInferenceService',
        [ATTR.RPC_METHOD]: 'ModelInfer',
        [ATTR.SERVER_ADDRESS]: this.address,
        [ATTR.INFER_MODEL]: request.model_name,
        [ATTR.BATCH_ROWS]: request.inputs?.[0]?.shape?.[0] ?? 0,
      },
    });
    if (!span.isRecording()) return this.unary(this.client.ModelInfer, request, deadline, signal);
    const metadata = new grpc.Metadata();
    injectTraceContext(trace.setSpan(context.active(), span), metadata);
    return this.unary(this.client.ModelInfer, request, deadline, signal, metadata).then(
      (response) => {
        span.setAttribute(ATTR.RPC_STATUS, grpc.status.OK);
        span.end();
        return response;
      },
      (error: unknown) => {
        if (error instanceof CallCancelledError) span.setAttribute(ATTR.RPC_STATUS, grpc.status.CANCELLED);
        else if (error instanceof RankerError) span.setAttribute(ATTR.OUTCOME, error.reason);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        span.end();
        throw error;
      },
    );
  }

  async serverReady(deadline: Deadline): Promise<boolean> {
    return (await this.unary(this.client.ServerReady, {}, deadline)).ready;
  }

  async modelReady(name: string, version: string, deadline: Deadline): Promise<boolean> {
    return (await this.unary(this.client.ModelReady, { name, version }, deadline)).ready;
  }

  modelMetadata(name: string, version: string, deadline: Deadline): Promise<ModelMetadataResponse> {
    return this.unary(this.client.ModelMetadata, { name, version }, deadline);
  }

  close(): void {
    this.client.close();
  }

  private unary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, deadline: Deadline, signal?: AbortSignal, metadata?: grpc.Metadata): Promise<Res> {
    if (deadline.expired()) return Promise.reject(new RankerError('DEADLINE_EXCEEDED', `deadline passed before calling ${this.address}`));
    if (signal?.aborted) return Promise.reject(new CallCancelledError(this.address));
    return new Promise<Res>((resolve, reject) => {
      // grpc-js deadlines are wall-clock; ours are performance.now(): carry the remaining budget over.
      const options: grpc.CallOptions = { deadline: Date.now() + deadline.remainingMs() };
      const onAbort = (): void => call.cancel();
      const call = method.call(this.client, request, metadata ?? new grpc.Metadata(), options, (error, response) => {
        signal?.removeEventListener('abort', onAbort);
        if (error) {
          if (signal?.aborted && error.code === grpc.status.CANCELLED) reject(new CallCancelledError(this.address));
          else reject(new RankerError(rankerFailureOf(error.code), `${this.address}: ${error.details || error.message}`));
        } else if (response === undefined) {
          reject(new RankerError('BACKEND_UNAVAILABLE', `${this.address}: empty response`));
        } else {
          resolve(response);
        }
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
