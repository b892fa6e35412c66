import { checkMlp, type MlpWeights } from './mlp.ts';
import { encodeModel, floatTensor, int32Tensor, int8Tensor, onnx, tensorValueInfo, uint8Tensor, type NodeProto, type TensorProto } from './onnx-graph.ts';
import { CALIBRATION_ROWS_MAX, equalizeInputs, layerInputRanges, quantizePerColumn, uint8Params } from './onnx-quantize.ts';

/**
 * Writes the ranking MLP as an ONNX model, from TypeScript (no Python in the pipeline).
 *
 * FP32:  features float[batch, F] -> (Gemm -> Relu)* -> Gemm -> scores float[batch, 1]
 *
 * INT8 (post-training quantization; the output stays float32 `scores`): every layer but the
 * last (out = 1, a matrix-vector product where INT8 saves nothing) gets per-column symmetric
 * int8 weights. Two forms, both measured:
 *  - 'dynamic' (default): DynamicQuantizeLinear (uint8 activations, range per batch) ->
 *    MatMulInteger (u8 x s8, which MLAS runs with AVX-512 VNNI) -> Cast -> Mul(scales) ->
 *    Add(bias); onnxruntime 1.30 fuses each chain into one DynamicQuantizeMatMul. Heavy at
 *    batch 500, one thread: about 0.9 ms vs 1.8 ms FP32.
 *  - 'qdq': static QuantizeLinear/DequantizeLinear pairs (int32 bias) with activation ranges
 *    from the calibration rows. onnxruntime 1.30 fuses only some layers into QGemm and runs the
 *    rest as float Gemm behind a DequantizeLinear of the weights on every run: about 2.2 ms,
 *    slower than FP32, no more accurate. Kept for comparison, not used.
 * With calibration rows, the input row is first equalised per feature (Mul, Add: every feature
 * to [-1, 1] on the calibration rows, folded back into the first layer's weights), so one
 * activation scale suits all features.
 *
 * `scores` is the raw logit by default: ranking only needs the order, and a logit neither
 * saturates nor costs an exp per row. sigmoid(logit) is the model's probability of an interaction.
 */
export { ONNX_IR_VERSION, ONNX_OPSET_VERSION } from './onnx-graph.ts';

export interface MlpExportOptions {
  readonly inputName: string;
  readonly outputName: string;
  /** When given, must equal weights.inputSize: checked, as a mismatch would only show at serving time. */
  readonly featureCount?: number;
  readonly modelName: string;
  readonly version: string;
  /** 'fp32' (default) or 'int8'. */
  readonly precision?: 'fp32' | 'int8';
  /** INT8 form; see the file comment. */
  readonly int8Method?: 'dynamic' | 'qdq';
  /** Raw training rows (row-major [n x F]) for INT8 calibration; the first CALIBRATION_ROWS_MAX are used. Required for 'qdq'. */
  readonly calibration?: Float32Array;
  /** 'logit' (default): the raw score; 'probability': a Sigmoid node is appended. */
  readonly output?: 'logit' | 'probability';
  /** Extra key/value pairs for the model's metadata_props. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The serialized ModelProto. Pure: the same weights and options give the same bytes. */
export function mlpToOnnx(weights: MlpWeights, options: MlpExportOptions): Uint8Array {
  checkMlp(weights);
  const F = weights.inputSize;
  if (options.featureCount !== undefined && options.featureCount !== F) {
    throw new RangeError(`featureCount ${options.featureCount} does not match the weights' input size ${F}`);
  }
  const precision = options.precision ?? 'fp32';
  const method = options.int8Method ?? 'dynamic';
  const output = options.output ?? 'logit';
  const logitName = output === 'logit' ? options.outputName : 'logit';
  const calibrationRows = options.calibration === undefined ? 0 : Math.min(CALIBRATION_ROWS_MAX, Math.floor(options.calibration.length / F));
  if (precision === 'int8' && method === 'qdq' && calibrationRows === 0) throw new RangeError('qdq quantization needs calibration rows');

  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const node = (name: string, opType: string, input: string[], outputs: string[], attribute: ReturnType<typeof onnx.AttributeProto.create>[] = []): void => {
    nodes.push(onnx.NodeProto.create({ name, opType, input, output: outputs, attribute }));
  };
  const intAttr = (name: string, i: number) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });

  let net = weights;
  let current = options.inputName;
  let ranges: Array<[number, number]> = [];
  if (precision === 'int8' && calibrationRows > 0) {
    const calibration = options.calibration!.subarray(0, calibrationRows * F);
    const eq = equalizeInputs(weights, calibration, calibrationRows);
    net = eq.weights;
    initializers.push(floatTensor('input_mul', [F], eq.mul), floatTensor('input_add', [F], eq.add));
    node('equalize_mul', 'Mul', [current, 'input_mul'], ['features_scaled']);
    node('equalize_add', 'Add', ['features_scaled', 'input_add'], ['features_equalized']);
    current = 'features_equalized';
    const equalized = new Float32Array(calibration.length);
    for (let r = 0; r < calibrationRows; r++) for (let f = 0; f < F; f++) equalized[r * F + f] = calibration[r * F + f]! * eq.mul[f]! + eq.add[f]!;
    ranges = layerInputRanges(net, equalized, calibrationRows);
  }

  const L = net.layers.length;
  net.layers.forEach((layer, l) => {
    const n = l + 1;
    const last = l === L - 1;
    const z = last ? logitName : `dense${n}`;
    const floatBias = (): void => void initializers.push(floatTensor(`b${n}`, [layer.out], layer.b));
    if (precision === 'fp32' || last) {
      initializers.push(floatTensor(`W${n}`, [layer.in, layer.out], layer.W));
      floatBias();
      node(`dense${n}`, 'Gemm', [current, `W${n}`, `b${n}`], [z]);
    } else {
      const { q, scale } = quantizePerColumn(layer.W, layer.in, layer.out);
      initializers.push(int8Tensor(`W${n}_q`, [layer.in, layer.out], q), floatTensor(`W${n}_scale`, [layer.out], scale));
      if (method === 'dynamic') {
        floatBias();
        node(`quantize${n}`, 'DynamicQuantizeLinear', [current], [`x${n}_q`, `x${n}_scale`, `x${n}_zero`]);
        node(`matmul${n}`, 'MatMulInteger', [`x${n}_q`, `W${n}_q`, `x${n}_zero`], [`dense${n}_int`]);
        node(`cast${n}`, 'Cast', [`dense${n}_int`], [`dense${n}_cast`], [intAttr('to', onnx.TensorProto.DataType.FLOAT)]);
        node(`scale${n}`, 'Mul', [`x${n}_scale`, `W${n}_scale`], [`dense${n}_scale`]);
        node(`rescale${n}`, 'Mul', [`dense${n}_cast`, `dense${n}_scale`], [`dense${n}_nobias`]);
        node(`bias${n}`, 'Add', [`dense${n}_nobias`, `b${n}`], [z]);
      } else {
        const [lo, hi] = ranges[l]!;
        const { scale: xScale, zeroPoint } = uint8Params(lo, hi);
        initializers.push(
          floatTensor(`x${n}_scale`, [], Float32Array.of(xScale)),
          uint8Tensor(`x${n}_zero`, [], Uint8Array.of(zeroPoint)),
          int8Tensor(`W${n}_zero`, [layer.out], new Int8Array(layer.out)),
        );
        node(`quantize${n}`, 'QuantizeLinear', [current, `x${n}_scale`, `x${n}_zero`], [`x${n}_q`]);
        node(`dequantize${n}`, 'DequantizeLinear', [`x${n}_q`, `x${n}_scale`, `x${n}_zero`], [`x${n}_dq`]);
        node(`dequantize_w${n}`, 'DequantizeLinear', [`W${n}_q`, `W${n}_scale`, `W${n}_zero`], [`W${n}_dq`], [intAttr('axis', 1)]);
        // The bias as int32 at scale x_scale * w_scale[o] (the QDQ convention), or onnxruntime keeps the Gemm in float.
        const biasScale = Float32Array.from(scale, (s) => s * xScale);
        const biasQ = Int32Array.from(layer.b, (b, o) => Math.round(b / biasScale[o]!));
        initializers.push(int32Tensor(`b${n}_q`, [layer.out], biasQ), floatTensor(`b${n}_scale`, [layer.out], biasScale));
        node(`dequantize_b${n}`, 'DequantizeLinear', [`b${n}_q`, `b${n}_scale`], [`b${n}_dq`], [intAttr('axis', 0)]);
        node(`dense${n}`, 'Gemm', [`x${n}_dq`, `W${n}_dq`, `b${n}_dq`], [z]);
      }
    }
    if (!last) {
      node(`relu${n}`, 'Relu', [z], [`hidden${n}`]);
      current = `hidden${n}`;
    }
  });
  if (output === 'probability') node('sigmoid', 'Sigmoid', [logitName], [options.outputName]);

  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const shape = [F, ...net.layers.map((l) => l.out)].join(' -> ');
  return encodeModel({
    name: options.modelName,
    nodes,
    initializers,
    inputs: [tensorValueInfo(options.inputName, FLOAT, ['batch', F])],
    outputs: [tensorValueInfo(options.outputName, FLOAT, ['batch', 1])],
    // model_version is an int64: use the version when it is a plain integer.
    modelVersion: /^\d+$/.test(options.version) ? Number(options.version) : 0,
    docString: `MLP ranker ${shape} (ReLU hidden layers, ${output}, ${precision === 'int8' ? `int8 ${method}` : 'fp32'})`,
    metadata: {
      version: options.version,
      featureCount: String(F),
      output,
      precision,
      ...(precision === 'int8' ? { quantization: method, calibrationRows: String(calibrationRows) } : {}),
      ...options.metadata,
    },
  });
}
