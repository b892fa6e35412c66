import type { ModelInferRequest, ModelInferResponse } from '../../kserve/inference-proto.ts';

/**
 * The ranker's tensors on the Open Inference Protocol wire: one FP32 input [rows, F] sent as
 * `raw_input_contents[0]` (row-major, little-endian), one FP32 output [rows, 1] read from
 * `raw_output_contents[0]`, or from `outputs[0].contents.fp32_contents` for servers that
 * answer in typed contents.
 */
export interface InferTensorNames {
  readonly modelName: string;
  /** Empty or absent: the server's choice. */
  readonly modelVersion?: string;
  readonly inputName: string;
  readonly outputName: string;
}

/** Builds a ModelInfer request; `timeoutUs` goes as the `timeout` parameter (int64 microseconds). */
export function encodeInferRequest(
  names: InferTensorNames,
  features: Float32Array,
  rows: number,
  featureCount: number,
  timeoutUs: number,
): ModelInferRequest {
  // Float32Array is host-endian; every supported host (x86-64, arm64) is little-endian.
  const raw = Buffer.from(features.buffer, features.byteOffset, rows * featureCount * 4);
  return {
    model_name: names.modelName,
    model_version: names.modelVersion ?? '',
    parameters: { timeout: { int64_param: Math.max(0, Math.floor(timeoutUs)) } },
    inputs: [{ name: names.inputName, datatype: 'FP32', shape: [rows, featureCount] }],
    outputs: [{ name: names.outputName }],
    raw_input_contents: [raw],
  };
}

/** Reads `rows` scores from a ModelInfer response; throws when the answer has the wrong size or type. */
export function decodeScores(response: ModelInferResponse, outputName: string, rows: number): Float32Array {
  const outputs = response.outputs ?? [];
  let index = outputs.findIndex((o) => o.name === outputName);
  if (index < 0) index = 0;
  const tensor = outputs[index];
  if (tensor && tensor.datatype && tensor.datatype !== 'FP32') {
    throw new Error(`output ${tensor.name} is ${tensor.datatype}, expected FP32`);
  }
  const raw = response.raw_output_contents?.[index];
  if (raw && raw.byteLength > 0) {
    if (raw.byteLength !== rows * 4) throw new Error(`output holds ${raw.byteLength} bytes, expected ${rows} FP32 scores`);
    // Copy into an aligned buffer: a Buffer from the wire may start at any offset of a shared one.
    const scores = new Float32Array(rows);
    new Uint8Array(scores.buffer).set(raw);
    return scores;
  }
  const typed = tensor?.contents?.fp32_contents;
  if (typed && typed.length > 0) {
    if (typed.length !== rows) throw new Error(`output holds ${typed.length} scores, expected ${rows}`);
    return Float32Array.from(typed);
  }
  throw new Error('response holds no output tensor');
}
