import onnxProto from 'onnx-proto';

/**
 * Small builders over onnx-proto's generated classes, for the ONNX graphs the offline pipeline
 * writes (the ranker export, the top-K scan).
 */
export const { onnx } = onnxProto;

/** ONNX IR version 8 (onnx 1.10) and opset 13: loadable by every onnxruntime since 1.10 and by Triton. */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET_VERSION = 13;

export type TensorProto = InstanceType<typeof onnx.TensorProto>;
export type ValueInfoProto = InstanceType<typeof onnx.ValueInfoProto>;
export type NodeProto = InstanceType<typeof onnx.NodeProto>;

/** A float32 initializer in raw_data, written little-endian whatever the host. */
export function floatTensor(name: string, dims: readonly number[], values: Float32Array): TensorProto {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
}

/** An int8 initializer (quantized weights, zero points). */
export function int8Tensor(name: string, dims: readonly number[], values: Int8Array): TensorProto {
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.INT8, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice() });
}

/** A uint8 initializer (activation zero points). */
export function uint8Tensor(name: string, dims: readonly number[], values: Uint8Array): TensorProto {
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.UINT8, rawData: values.slice() });
}

/** An int32 initializer (quantized biases). */
export function int32Tensor(name: string, dims: readonly number[], values: Int32Array): TensorProto {
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.INT32, int32Data: [...values] });
}

/** An int64 initializer (shape arguments such as TopK's K). */
export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.INT64, int64Data: [...values] });
}

/** A tensor's name, element type and shape; a string dimension is symbolic (dim_param). */
export function tensorValueInfo(name: string, elemType: number, shape: readonly (number | string)[]): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType,
        shape: onnx.TensorShapeProto.create({
          dim: shape.map((d) => onnx.TensorShapeProto.Dimension.create(typeof d === 'string' ? { dimParam: d } : { dimValue: d })),
        }),
      }),
    }),
  });
}

export interface ModelSpec {
  readonly name: string;
  readonly nodes: readonly NodeProto[];
  readonly initializers: readonly TensorProto[];
  readonly inputs: readonly ValueInfoProto[];
  readonly outputs: readonly ValueInfoProto[];
  readonly modelVersion?: number;
  readonly docString?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A serialized ModelProto (IR 8, default domain at opset 13). */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: ONNX_OPSET_VERSION })],
    producerName: 'personalization-gateway',
    producerVersion: '0.1.0',
    modelVersion: spec.modelVersion ?? 0,
    docString: spec.docString ?? '',
    graph: onnx.GraphProto.create({
      name: spec.name,
      node: [...spec.nodes],
      initializer: [...spec.initializers],
      input: [...spec.inputs],
      output: [...spec.outputs],
    }),
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}
