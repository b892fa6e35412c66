import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { decodeScores, encodeInferRequest } from '../../src/adapters/kserve/infer-tensors.ts';
import { rankerFailureOf } from '../../src/adapters/kserve/kserve-client.ts';
import { LATENCY_MIN_SAMPLES, LatencyWindow } from '../../src/adapters/kserve/latency-window.ts';
import type { ModelInferResponse } from '../../src/kserve/inference-proto.ts';

const names = { modelName: 'ranker-light', inputName: 'features', outputName: 'scores' };

function response(extra: Partial<ModelInferResponse>): ModelInferResponse {
  return { model_name: 'm', model_version: '1', id: '', parameters: {}, outputs: [{ name: 'scores', datatype: 'FP32', shape: [2, 1] }], raw_output_contents: [], ...extra };
}

describe('Open Inference Protocol tensors', () => {
  it('sends features as one little-endian FP32 raw input [rows, F] with the timeout in microseconds', () => {
    const features = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const request = encodeInferRequest(names, features.subarray(0, 4), 2, 2, 12_345.6);
    expect(request.inputs).toEqual([{ name: 'features', datatype: 'FP32', shape: [2, 2] }]);
    expect(request.parameters).toEqual({ timeout: { int64_param: 12_345 } });
    const raw = request.raw_input_contents![0]!;
    expect(raw.byteLength).toBe(16);
    expect([0, 4, 8, 12].map((o) => raw.readFloatLE(o))).toEqual([1, 2, 3, 4]);
  });

  it('reads raw_output_contents, and fp32_contents when raw is empty', () => {
    const raw = Buffer.alloc(8);
    raw.writeFloatLE(0.25, 0);
    raw.writeFloatLE(-1.5, 4);
    expect(Array.from(decodeScores(response({ raw_output_contents: [raw] }), 'scores', 2))).toEqual([0.25, -1.5]);
    const typed = response({ outputs: [{ name: 'scores', datatype: 'FP32', shape: [2, 1], contents: { fp32_contents: [0.5, 2] } }] });
    expect(Array.from(decodeScores(typed, 'scores', 2))).toEqual([0.5, 2]);
    expect(() => decodeScores(response({ raw_output_contents: [Buffer.alloc(4)] }), 'scores', 2)).toThrow(/expected 2/);
    expect(() => decodeScores(response({}), 'scores', 2)).toThrow(/no output/);
  });

  it('maps gRPC status codes onto ranker failures', () => {
    expect(rankerFailureOf(grpc.status.DEADLINE_EXCEEDED)).toBe('DEADLINE_EXCEEDED');
    expect(rankerFailureOf(grpc.status.RESOURCE_EXHAUSTED)).toBe('OVERLOADED');
    expect(rankerFailureOf(grpc.status.UNAVAILABLE)).toBe('BACKEND_UNAVAILABLE');
    expect(rankerFailureOf(grpc.status.INTERNAL)).toBe('BACKEND_UNAVAILABLE');
  });
});

describe('LatencyWindow', () => {
  it('reports nothing until it has enough samples, then the p95 of the last ones', () => {
    const window = new LatencyWindow(0.95, 100);
    for (let i = 1; i < LATENCY_MIN_SAMPLES; i++) window.record(i);
    expect(window.percentileMs()).toBeUndefined();
    for (let i = 1; i <= 100; i++) window.record(i);
    expect(window.percentileMs()).toBe(96);
    // The window slides: 100 samples of 1000 replace the old ones.
    for (let i = 0; i < 100; i++) window.record(1000);
    expect(window.percentileMs()).toBe(1000);
  });
});
