import { afterEach, describe, expect, it } from 'vitest';
import { RequestHistogram, requestHistograms, SERIES_LIMIT } from '../../src/telemetry/request-histograms.ts';
import { startTelemetry, type Telemetry } from '../../src/telemetry/setup.ts';

describe('RequestHistogram (pre-aggregated, exported through the SDK)', () => {
  it('puts a value equal to a boundary in that bucket, as explicit-bucket histograms do', () => {
    const histogram = new RequestHistogram('test.duration', 'test', ['route', 'status'], [0.01, 0.1, 1]);
    for (const value of [0.005, 0.01, 0.02, 0.1, 0.5, 3]) histogram.record(value, '/graphql', 200);
    histogram.record(0.05, '/events', 202);
    const data = histogram.metricData([1, 0])!;
    expect(data.descriptor.name).toBe('test.duration');
    const graphql = data.dataPoints.find((p) => p.attributes.route === '/graphql')!;
    expect(graphql.attributes).toEqual({ route: '/graphql', status: 200 });
    expect(graphql.value.buckets.counts).toEqual([2, 2, 1, 1]);
    expect(graphql.value.count).toBe(6);
    expect(graphql.value.sum).toBeCloseTo(3.635, 10);
    expect(graphql.value.min).toBe(0.005);
    expect(graphql.value.max).toBe(3);
    expect(data.dataPoints.find((p) => p.attributes.route === '/events')!.value.buckets.counts).toEqual([0, 1, 0, 0]);
  });

  it('keeps each attribute set a series of its own', () => {
    const histogram = new RequestHistogram('test.duration', 'test', ['operation', 'streamed']);
    histogram.record(0.001, 'HomeFeed', true);
    histogram.record(0.001, 'HomeFeed', false);
    histogram.record(0.001, 'HomeFeed');
    expect(histogram.metricData([1, 0])!.dataPoints.map((p) => p.attributes)).toEqual([
      { operation: 'HomeFeed', streamed: true },
      { operation: 'HomeFeed', streamed: false },
      { operation: 'HomeFeed' },
    ]);
  });

  it('counts into the right series when calls alternate between series and repeat one', () => {
    const histogram = new RequestHistogram('test.duration', 'test', ['method', 'route', 'status']);
    for (const status of [200, 200, 404, 200, 404, 404, 200]) histogram.record(0.002, 'POST', '/graphql', status);
    histogram.record(0.002, 'GET', '/graphql', 200);
    const counts = Object.fromEntries(histogram.metricData([1, 0])!.dataPoints.map((p) => [`${p.attributes.method} ${p.attributes.status}`, p.value.count]));
    expect(counts).toEqual({ 'POST 200': 4, 'POST 404': 3, 'GET 200': 1 });
  });

  it('sends attribute sets beyond the series limit to one overflow series instead of growing', () => {
    const histogram = new RequestHistogram('test.duration', 'test', ['operation']);
    for (let i = 0; i < SERIES_LIMIT + 50; i++) histogram.record(0.001, `op-${i}`);
    const points = histogram.metricData([1, 0])!.dataPoints;
    expect(points).toHaveLength(SERIES_LIMIT + 1);
    expect(points.find((p) => p.attributes['otel.metric.overflow'] === true)!.value.count).toBe(50);
  });
});

describe('request histograms and startTelemetry', () => {
  let telemetry: Telemetry | undefined;
  afterEach(async () => {
    await telemetry?.shutdown();
    telemetry = undefined;
  });

  it('are what the Prometheus reader collects while telemetry runs, and nobody\'s after shutdown', async () => {
    telemetry = startTelemetry({ serviceName: 'histograms-test', disabled: false, metrics: true, otlpEndpoint: null });
    const active = requestHistograms();
    active.firstPayload.record(0.003, 'CoarseFeed', false);
    active.firstPayload.record(0.2, 'CoarseFeed', false);
    const { resourceMetrics } = await telemetry.prometheus!.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'gateway.graphql.first_payload.duration_seconds');
    expect(metric?.dataPoints).toHaveLength(1);
    expect((metric!.dataPoints[0]!.value as { count: number }).count).toBe(2);
    await telemetry.shutdown();
    telemetry = undefined;
    expect(requestHistograms()).not.toBe(active);
  });
});
