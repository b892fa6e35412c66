import * as ort from 'onnxruntime-node';
import { encodeModel, int64Tensor, onnx, tensorValueInfo } from './onnx-graph.ts';

/**
 * Exact top-K by inner product for many queries at once, run by onnxruntime: one Gemm
 * (queries x items^T, MLAS kernels on every core) and one TopK per chunk of queries. About a
 * hundred times faster than the JavaScript scan in top-k.ts, which stays the reference.
 * Scores are float32 dot products; ties go to the lower item index (TopK's rule).
 */

export interface InnerProductTopKInput {
  /** Row-major [rows x dimension]; only `queryRows` of it are scored. */
  readonly queries: Float32Array;
  readonly queryRows: ArrayLike<number>;
  /** Row-major [items x dimension]. */
  readonly vectors: Float32Array;
  readonly dimension: number;
  readonly k: number;
  /** Called with the fraction of queries done. */
  readonly onProgress?: (fraction: number) => void;
}

export interface InnerProductTopKResult {
  /** Item rows, best first. */
  readonly indices: Uint32Array;
  readonly scores: Float32Array;
}

/** Keeps one chunk's score matrix (queries x items float32) near this size. */
const CHUNK_SCORE_BYTES = 64 * 1024 * 1024;
const MAX_CHUNK_ROWS = 1024;

/** The top `k` item rows for each query row, in `queryRows` order. */
export async function innerProductTopK(input: InnerProductTopKInput): Promise<InnerProductTopKResult[]> {
  const d = input.dimension;
  const itemCount = input.vectors.length / d;
  const k = Math.min(input.k, itemCount);
  const results: InnerProductTopKResult[] = [];
  if (input.queryRows.length === 0 || k === 0) return results;
  const session = await ort.InferenceSession.create(topKModel(d, k));
  try {
    const vectors = new ort.Tensor('float32', input.vectors, [itemCount, d]);
    const chunkRows = Math.max(1, Math.min(MAX_CHUNK_ROWS, Math.floor(CHUNK_SCORE_BYTES / (4 * itemCount))));
    for (let start = 0; start < input.queryRows.length; start += chunkRows) {
      const rows = Math.min(chunkRows, input.queryRows.length - start);
      const queries = new Float32Array(rows * d);
      for (let r = 0; r < rows; r++) {
        const q = input.queryRows[start + r]!;
        queries.set(input.queries.subarray(q * d, q * d + d), r * d);
      }
      const out = await session.run({ queries: new ort.Tensor('float32', queries, [rows, d]), vectors });
      const values = out.values!.data as Float32Array;
      const indices = out.indices!.data as BigInt64Array;
      for (let r = 0; r < rows; r++) {
        results.push({
          indices: Uint32Array.from(indices.subarray(r * k, r * k + k), (i) => Number(i)),
          scores: values.slice(r * k, r * k + k),
        });
      }
      input.onProgress?.((start + rows) / input.queryRows.length);
    }
  } finally {
    await session.release();
  }
  return results;
}

/** queries float[n, d], vectors float[m, d] -> values float[n, k], indices int64[n, k]. */
function topKModel(d: number, k: number): Uint8Array {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const INT64 = onnx.TensorProto.DataType.INT64;
  const INT = onnx.AttributeProto.AttributeType.INT;
  return encodeModel({
    name: 'inner-product-top-k',
    nodes: [
      onnx.NodeProto.create({
        name: 'scores',
        opType: 'Gemm',
        input: ['queries', 'vectors'],
        output: ['scores'],
        attribute: [onnx.AttributeProto.create({ name: 'transB', type: INT, i: 1 })],
      }),
      onnx.NodeProto.create({
        name: 'top',
        opType: 'TopK',
        input: ['scores', 'k'],
        output: ['values', 'indices'],
        attribute: [
          onnx.AttributeProto.create({ name: 'axis', type: INT, i: -1 }),
          onnx.AttributeProto.create({ name: 'largest', type: INT, i: 1 }),
          onnx.AttributeProto.create({ name: 'sorted', type: INT, i: 1 }),
        ],
      }),
    ],
    initializers: [int64Tensor('k', [1], [k])],
    inputs: [tensorValueInfo('queries', FLOAT, ['n', d]), tensorValueInfo('vectors', FLOAT, ['m', d])],
    outputs: [tensorValueInfo('values', FLOAT, ['n', k]), tensorValueInfo('indices', INT64, ['n', k])],
  });
}
