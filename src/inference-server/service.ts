import * as grpc from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type {
  InferParameter,
  InferTensor,
  ModelInferRequest,
  ModelInferResponse,
  ModelMetadataResponse,
} from '../kserve/inference-proto.ts';
import { BatchError, type DynamicBatcher } from './dynamic-batcher.ts';
import type { ModelConfig } from './model-repository.ts';
import { extractTraceContext } from '../telemetry/grpc-trace-context.ts';
import { ATTR, SPAN, tracer } from '../telemetry/names.ts';

export const SERVER_NAME = 'personalization-inference-server';
export const SERVER_VERSION = '0.1.0';
/** Response parameter: rows of the merged batch the request ran in. */
export const BATCH_ROWS_PARAMETER = 'batch_rows';
/** Request parameter: the request's budget in microseconds (0: none). */
export const TIMEOUT_PARAMETER = 'timeout';

/** One served version of a model. */
export interface ServedVersion {
  readonly version: string;
  readonly batcher: DynamicBatcher;
}

export interface ServedModel {
  readonly config: ModelConfig;
  /** Newest first; an empty requested version means the first. */
  readonly versions: readonly ServedVersion[];
}

/** What the handlers see of the server: its models and whether it is taking work. */
export interface ServiceState {
  readonly models: ReadonlyMap<string, ServedModel>;
  /** True once every model is loaded, false again from the start of shutdown. */
  ready(): boolean;
  /** True from the start of shutdown: ModelInfer answers UNAVAILABLE. */
  draining(): boolean;
}

/** A gRPC status with a message, thrown by validation and caught by the handler. */
class StatusError extends Error {
  constructor(readonly code: grpc.status, message: string) {
    super(message);
  }
}

type Unary<Req, Res> = grpc.handleUnaryCall<Req, Res>;

/**
 * The handlers of GRPCInferenceService for `server.addService(inferenceServiceDefinition(), …)`.
 * Every failure answers a status with a message; nothing a client sends can throw out of a handler.
 */
export function inferenceServiceHandlers(state: ServiceState): grpc.UntypedServiceImplementation {
  const ServerLive: Unary<unknown, { live: boolean }> = (_call, callback) => callback(null, { live: true });
  const ServerReady: Unary<unknown, { ready: boolean }> = (_call, callback) => callback(null, { ready: state.ready() });
  const ServerMetadata: Unary<unknown, { name: string; version: string; extensions: string[] }> = (_call, callback) =>
    callback(null, { name: SERVER_NAME, version: SERVER_VERSION, extensions: [] });

  // Health probes want a boolean: an unknown model or version is simply not ready.
  const ModelReady: Unary<{ name: string; version?: string }, { ready: boolean }> = (call, callback) => {
    const model = state.models.get(call.request.name);
    const known = model !== undefined && (!call.request.version || model.versions.some((v) => v.version === call.request.version));
    callback(null, { ready: known && state.ready() });
  };

  const ModelMetadata: Unary<{ name: string; version?: string }, ModelMetadataResponse> = (call, callback) => {
    try {
      const { model } = resolve(state, call.request.name, call.request.version);
      callback(null, {
        name: model.config.name,
        versions: model.versions.map((v) => v.version),
        platform: model.config.platform,
        inputs: model.config.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.dims] })),
        outputs: model.config.outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.dims] })),
      });
    } catch (error) {
      callback(toServiceError(error));
    }
  };

  const ModelInfer: Unary<ModelInferRequest, ModelInferResponse> = (call, callback) => {
    const receivedMs = performance.now();
    // The caller's trace context (W3C traceparent in the metadata) parents this server span.
    const parent = extractTraceContext(call.metadata);
    const span = tracer().startSpan(
      SPAN.MODEL_INFER_SERVER,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR.RPC_SYSTEM]: 'grpc',
          [ATTR.RPC_SERVICE]: 'inference.GRPCInferenceService',
          [ATTR.RPC_METHOD]: 'ModelInfer',
          [ATTR.INFER_MODEL]: call.request.model_name,
          [ATTR.ROWS]: call.request.inputs?.[0]?.shape?.[0] ?? 0,
        },
      },
      parent,
    );
    const run = (): Promise<ModelInferResponse> =>
      // Everything, deadline parsing included, runs inside the promise: a throw becomes a status.
      Promise.resolve().then(() => infer(state, call.request, deadlineOf(call, call.request, receivedMs)));
    const pending = span.isRecording() ? context.with(trace.setSpan(parent, span), run) : run();
    pending.then(
      (response) => {
        if (span.isRecording()) {
          span.setAttribute(ATTR.RPC_STATUS, grpc.status.OK);
          const batchRows = response.parameters?.[BATCH_ROWS_PARAMETER]?.int64_param;
          if (batchRows !== undefined) span.setAttribute(ATTR.BATCH_ROWS, Number(batchRows));
          span.end();
        }
        callback(null, response);
      },
      (error: unknown) => {
        const serviceError = toServiceError(error);
        if (span.isRecording()) {
          span.setAttribute(ATTR.RPC_STATUS, serviceError.code);
          span.setStatus({ code: SpanStatusCode.ERROR, message: serviceError.details });
          span.end();
        }
        callback(serviceError);
      },
    );
  };

  return { ServerLive, ServerReady, ServerMetadata, ModelReady, ModelMetadata, ModelInfer };
}

async function infer(state: ServiceState, request: ModelInferRequest, deadlineMs: number): Promise<ModelInferResponse> {
  if (state.draining()) throw new StatusError(grpc.status.UNAVAILABLE, 'the server is shutting down');
  const { model, version } = resolve(state, request.model_name, request.model_version);
  const { features, rows } = readInput(model.config, request);
  const output = model.config.outputs[0]!;
  for (const requested of request.outputs ?? []) {
    if (requested.name !== output.name) throw new StatusError(grpc.status.INVALID_ARGUMENT, `model ${model.config.name} has no output "${requested.name}" (it has "${output.name}")`);
  }
  const result = await version.batcher.submit({ features, rows, deadlineMs });
  const width = result.scores.length / rows;
  return {
    model_name: model.config.name,
    model_version: version.version,
    id: request.id ?? '',
    parameters: { [BATCH_ROWS_PARAMETER]: { int64_param: result.batchRows } },
    outputs: [{ name: output.name, datatype: 'FP32', shape: [rows, width] }],
    raw_output_contents: [Buffer.from(result.scores.buffer, result.scores.byteOffset, result.scores.byteLength)],
  };
}

function resolve(state: ServiceState, name: string, version: string | undefined): { model: ServedModel; version: ServedVersion } {
  const model = state.models.get(name);
  if (!model) throw new StatusError(grpc.status.NOT_FOUND, `unknown model "${name}" (serving: ${[...state.models.keys()].join(', ')})`);
  const served = version ? model.versions.find((v) => v.version === version) : model.versions[0];
  if (!served) throw new StatusError(grpc.status.NOT_FOUND, `model ${name} has no version "${version}" (serving: ${model.versions.map((v) => v.version).join(', ')})`);
  return { model, version: served };
}

/** Checks the one input tensor against the config and copies it into a Float32Array. */
function readInput(config: ModelConfig, request: ModelInferRequest): { features: Float32Array; rows: number } {
  const expected = config.inputs[0]!;
  const cols = expected.dims[1]!;
  const bad = (message: string): never => {
    throw new StatusError(grpc.status.INVALID_ARGUMENT, `${config.name}: ${message}`);
  };
  const inputs = request.inputs ?? [];
  if (inputs.length !== 1) bad(`expected exactly one input "${expected.name}", got ${inputs.length}`);
  const input = inputs[0] as InferTensor;
  if (input.name !== expected.name) bad(`unknown input "${input.name}" (expected "${expected.name}")`);
  if (input.datatype !== 'FP32') bad(`input "${input.name}" must be FP32, got ${input.datatype || 'no datatype'}`);
  const shape = input.shape ?? [];
  if (shape.length !== 2 || shape[1] !== cols || !Number.isInteger(shape[0]) || shape[0]! < 1) {
    bad(`input "${input.name}" must have shape [rows >= 1, ${cols}], got [${shape.join(', ')}]`);
  }
  const rows = shape[0]!;
  if (rows > config.max_batch_size) bad(`input "${input.name}" has ${rows} rows, more than max_batch_size ${config.max_batch_size}`);
  const values = rows * cols;
  const raw = request.raw_input_contents ?? [];
  const contents = input.contents?.fp32_contents ?? [];
  if (raw.length > 0) {
    if (contents.length > 0) bad(`input "${input.name}" has both raw_input_contents and contents; send one`);
    if (raw.length !== inputs.length) bad(`raw_input_contents has ${raw.length} entries for ${inputs.length} input(s)`);
    const bytes = raw[0]!;
    if (bytes.length !== values * 4) bad(`input "${input.name}" of shape [${rows}, ${cols}] needs ${values * 4} bytes of FP32, raw_input_contents has ${bytes.length}`);
    const features = new Float32Array(values);
    // Copy rather than view: the Buffer may not be 4-byte aligned. Hosts are little-endian, as the wire is.
    bytes.copy(Buffer.from(features.buffer));
    return { features, rows };
  }
  if (contents.length === 0) bad(`input "${input.name}" has no data (neither raw_input_contents nor contents.fp32_contents)`);
  if (contents.length !== values) bad(`input "${input.name}" of shape [${rows}, ${cols}] needs ${values} fp32_contents, got ${contents.length}`);
  return { features: Float32Array.from(contents), rows };
}

/** The earlier of the gRPC deadline and the `timeout` parameter, on the performance.now() clock. */
function deadlineOf(call: grpc.ServerUnaryCall<unknown, unknown>, request: ModelInferRequest, receivedMs: number): number {
  let deadlineMs = Infinity;
  const grpcDeadline = call.getDeadline();
  const grpcAtMs = grpcDeadline instanceof Date ? grpcDeadline.getTime() : grpcDeadline;
  if (Number.isFinite(grpcAtMs)) deadlineMs = receivedMs + (grpcAtMs - Date.now());
  const timeout = request.parameters?.[TIMEOUT_PARAMETER];
  const timeoutUs = timeout ? timeoutMicros(timeout) : 0;
  if (timeoutUs > 0) deadlineMs = Math.min(deadlineMs, receivedMs + timeoutUs / 1000);
  return deadlineMs;
}

function timeoutMicros(parameter: InferParameter): number {
  const value = parameter.parameter_choice === 'uint64_param' ? parameter.uint64_param : parameter.int64_param;
  if (parameter.parameter_choice !== 'int64_param' && parameter.parameter_choice !== 'uint64_param') {
    // Validated here rather than ignored: a misspelt budget would silently mean "no deadline".
    throw new StatusError(grpc.status.INVALID_ARGUMENT, `parameter "${TIMEOUT_PARAMETER}" must be an int64 of microseconds`);
  }
  if (value === undefined || value < 0) throw new StatusError(grpc.status.INVALID_ARGUMENT, `parameter "${TIMEOUT_PARAMETER}" must be >= 0 microseconds`);
  return value;
}

const BATCH_STATUS: Record<BatchError['reason'], grpc.status> = {
  RESOURCE_EXHAUSTED: grpc.status.RESOURCE_EXHAUSTED,
  DEADLINE_EXCEEDED: grpc.status.DEADLINE_EXCEEDED,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  INTERNAL: grpc.status.INTERNAL,
};

function toServiceError(error: unknown): grpc.ServiceError {
  const code = error instanceof StatusError ? error.code : error instanceof BatchError ? BATCH_STATUS[error.reason] : grpc.status.INTERNAL;
  const message = error instanceof Error ? error.message : String(error);
  return Object.assign(new Error(message), { code, details: message, metadata: new grpc.Metadata() });
}
