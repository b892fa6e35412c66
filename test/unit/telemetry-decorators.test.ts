import * as grpc from '@grpc/grpc-js';
import { ROOT_CONTEXT, context, metrics, propagation, trace, type SpanContext } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deadline } from '../../src/pipeline/deadline.ts';
import { RankerError, type ObservedRanker } from '../../src/ports/ranker.ts';
import { extractTraceContext, injectTraceContext } from '../../src/telemetry/grpc-trace-context.ts';
import { traceRanker } from '../../src/telemetry/traced-services.ts';

describe('port decorators and trace context', () => {
  const reader = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [reader] });
  beforeAll(() => {
    // What a composition root does; this file runs in its own process.
    metrics.setGlobalMeterProvider(provider);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(async () => {
    await provider.shutdown();
    propagation.disable();
  });

  it('keeps the rest of a ranker (observedP95Ms, extra members) and times score() by backend and outcome', async () => {
    let fail = false;
    const ranker: ObservedRanker & { endpoints(): string[] } = {
      modelId: 'm@1',
      featureCount: 2,
      score: async (_f, rows) => {
        if (fail) throw new RankerError('CIRCUIT_OPEN', 'open');
        return new Float32Array(rows);
      },
      close: async () => {},
      observedP95Ms: () => 7,
      endpoints: () => ['a:1'],
    };
    const traced = traceRanker(ranker, 'remote');
    expect(traced.modelId).toBe('m@1');
    expect(traced.observedP95Ms()).toBe(7);
    expect(traced.endpoints()).toEqual(['a:1']);
    expect(await traced.score(new Float32Array(4), 2, Deadline.after(1000))).toHaveLength(2);
    fail = true;
    await expect(traced.score(new Float32Array(4), 2, Deadline.after(1000))).rejects.toMatchObject({ reason: 'CIRCUIT_OPEN' });
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'gateway.ranking.duration_seconds')!;
    const outcomes = metric.dataPoints.map((p) => `${p.attributes.backend}/${p.attributes.outcome}`).sort();
    expect(outcomes).toEqual(['remote/CIRCUIT_OPEN', 'remote/ok']);
  });

  it('writes traceparent into gRPC metadata and reads it back as a remote parent', () => {
    const parent: SpanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };
    const metadata = new grpc.Metadata();
    injectTraceContext(trace.setSpanContext(ROOT_CONTEXT, parent), metadata);
    expect(metadata.get('traceparent')).toEqual(['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']);
    const extracted = trace.getSpanContext(extractTraceContext(metadata));
    expect(extracted).toMatchObject({ traceId: parent.traceId, spanId: parent.spanId, isRemote: true });
    expect(trace.getSpanContext(extractTraceContext(new grpc.Metadata()))).toBeUndefined();
    expect(context.active()).toBe(ROOT_CONTEXT);
  });
});
