import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * The Open Inference Protocol (KServe v2) as grpc-js sees it, loaded from proto/inference.proto.
 * Shared by our server and our client; field names stay as in the .proto (snake_case), int64
 * values are numbers, bytes are Buffers.
 */
export const INFERENCE_PROTO_PATH = fileURLToPath(new URL('../../proto/inference.proto', import.meta.url));

/**
 * Largest ModelInfer message either side accepts (gRPC's default is 4 MiB: 4096 rows x 256
 * features is 4 MiB alone). Clients keep their merged batches under it.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

export interface InferParameter {
  bool_param?: boolean;
  int64_param?: number;
  string_param?: string;
  double_param?: number;
  uint64_param?: number;
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';
}

export interface InferTensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: number[];
  uint_contents?: number[];
  uint64_contents?: number[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Buffer[];
}

export interface InferTensor {
  name: string;
  datatype: string;
  shape: number[];
  parameters?: Record<string, InferParameter>;
  contents?: InferTensorContents | null;
}

export interface ModelInferRequest {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, InferParameter>;
  inputs: InferTensor[];
  outputs?: Array<{ name: string; parameters?: Record<string, InferParameter> }>;
  raw_input_contents?: Buffer[];
}

export interface ModelInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, InferParameter>;
  outputs: InferTensor[];
  raw_output_contents: Buffer[];
}

export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export interface ModelMetadataResponse {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

/** The service definition, for `server.addService`. */
export function inferenceServiceDefinition(): grpc.ServiceDefinition {
  return loadInferencePackage().GRPCInferenceService.service;
}

/** The client constructor: `new (inferenceClientConstructor())(address, credentials)`. */
export function inferenceClientConstructor(): grpc.ServiceClientConstructor {
  return loadInferencePackage().GRPCInferenceService;
}

let cached: { GRPCInferenceService: grpc.ServiceClientConstructor } | undefined;

function loadInferencePackage(): { GRPCInferenceService: grpc.ServiceClientConstructor } {
  if (!cached) {
    const definition = protoLoader.loadSync(INFERENCE_PROTO_PATH, PROTO_LOADER_OPTIONS);
    const loaded = grpc.loadPackageDefinition(definition) as unknown as { inference: { GRPCInferenceService: grpc.ServiceClientConstructor } };
    cached = loaded.inference;
  }
  return cached;
}
