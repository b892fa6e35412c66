import type { MlpWeights } from './mlp.ts';
import { encodeModel, floatTensor, onnx, tensorValueInfo, type NodeProto } from './onnx-graph.ts';

/**
 * Writes the ranking MLP as an ONNX model, from TypeScript (no Python in the pipeline):
 *
 *   features float[batch, F] -> Gemm(W1, b1) -> Relu -> Gemm(W2, b2) -> scores float[batch, 1]
 *
 * `scores` is the raw logit by default (see `MlpExportOptions.output`): ranking only needs the
 * order, and a logit neither saturates nor costs an exp per row. sigmoid(logit) is the model's
 * probability of an interaction.
 */
export { ONNX_IR_VERSION, ONNX_OPSET_VERSION } from './onnx-graph.ts';

export interface MlpExportOptions {
  readonly inputName: string;
  readonly outputName: string;
  /** Must equal weights.inputSize: checked, as a mismatch would only show at serving time. */
  readonly featureCount: number;
  readonly modelName: string;
  readonly version: string;
  /** 'logit' (default): the raw score; 'probability': a Sigmoid node is appended. */
  readonly output?: 'logit' | 'probability';
  /** Extra key/value pairs for the model's metadata_props. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The serialized ModelProto. Pure: the same weights and options give the same bytes. */
export function mlpToOnnx(weights: MlpWeights, options: MlpExportOptions): Uint8Array {
  const F = weights.inputSize;
  const H = weights.hiddenSize;
  if (options.featureCount !== F) {
    throw new RangeError(`featureCount ${options.featureCount} does not match the weights' input size ${F}`);
  }
  checkLength('W1', weights.W1, F * H);
  checkLength('b1', weights.b1, H);
  checkLength('W2', weights.W2, H);
  checkLength('b2', weights.b2, 1);
  const output = options.output ?? 'logit';
  const logitName = output === 'logit' ? options.outputName : 'logit';

  const nodes: NodeProto[] = [
    onnx.NodeProto.create({ name: 'dense1', opType: 'Gemm', input: [options.inputName, 'W1', 'b1'], output: ['hidden_pre'] }),
    onnx.NodeProto.create({ name: 'relu1', opType: 'Relu', input: ['hidden_pre'], output: ['hidden'] }),
    onnx.NodeProto.create({ name: 'dense2', opType: 'Gemm', input: ['hidden', 'W2', 'b2'], output: [logitName] }),
  ];
  if (output === 'probability') {
    nodes.push(onnx.NodeProto.create({ name: 'sigmoid', opType: 'Sigmoid', input: [logitName], output: [options.outputName] }));
  }
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  return encodeModel({
    name: options.modelName,
    nodes,
    initializers: [
      floatTensor('W1', [F, H], weights.W1),
      floatTensor('b1', [H], weights.b1),
      floatTensor('W2', [H, 1], weights.W2),
      floatTensor('b2', [1], weights.b2),
    ],
    inputs: [tensorValueInfo(options.inputName, FLOAT, ['batch', F])],
    outputs: [tensorValueInfo(options.outputName, FLOAT, ['batch', 1])],
    // model_version is an int64: use the version when it is a plain integer.
    modelVersion: /^\d+$/.test(options.version) ? Number(options.version) : 0,
    docString: `MLP ranker ${F} -> ${H} ReLU -> 1 (${output})`,
    metadata: { version: options.version, featureCount: String(F), output, ...options.metadata },
  });
}

function checkLength(name: string, values: Float32Array, expected: number): void {
  if (values.length !== expected) throw new RangeError(`${name} has ${values.length} values, expected ${expected}`);
}
