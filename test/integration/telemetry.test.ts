import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { RankerError } from '../../src/ports/ranker.ts';
import { PROMETHEUS_CONTENT_TYPE } from '../../src/telemetry/metrics-endpoint.ts';
import { SPAN } from '../../src/telemetry/names.ts';
import { startTelemetry, type Telemetry } from '../../src/telemetry/setup.ts';
import { documentId, runPersisted, startTestGateway, type TestGateway } from '../fixtures/gateway-harness.ts';
import { fetchIncremental } from '../fixtures/incremental.ts';
import { startTestInferenceTier, type TestInferenceTier } from '../fixtures/inference-tier.ts';

// The SDK must not reach for an OTLP endpoint or any exporter of its own: spans go to the
// in-memory exporter this test registers.
process.env.OTEL_TRACES_EXPORTER = 'none';
process.env.OTEL_METRICS_EXPORTER = 'none';
process.env.OTEL_LOGS_EXPORTER = 'none';

const spans = new InMemorySpanExporter();
let telemetry: Telemetry;
let tier: TestInferenceTier;
let gw: TestGateway;

function homeFeed(user: string, headers: Record<string, string> = {}, surface = 'HOME') {
  return fetchIncremental(
    gw.graphqlUrl,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': user, ...headers },
      body: JSON.stringify({ documentId: documentId('HomeFeed'), variables: { first: 5, surface } }),
    },
    'multipart/mixed',
  );
}

/** Finished spans, once `ready` holds (spans end after the client has its last byte). */
async function finishedSpans(ready: (all: ReadableSpan[]) => boolean): Promise<ReadableSpan[]> {
  for (let i = 0; i < 100; i++) {
    const all = spans.getFinishedSpans();
    if (ready(all)) return all;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return spans.getFinishedSpans();
}

const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const traceOf = (span: ReadableSpan) => span.spanContext().traceId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** Whether `ancestor` is on `span`'s parent chain. */
function descendsFrom(span: ReadableSpan, ancestor: ReadableSpan, all: ReadableSpan[]): boolean {
  const byId = new Map(all.map((s) => [idOf(s), s]));
  let current: ReadableSpan | undefined = span;
  while (current) {
    if (parentOf(current) === idOf(ancestor)) return true;
    current = byId.get(parentOf(current) ?? '');
  }
  return false;
}

/** Parses Prometheus text format 0.0.4 strictly enough to catch a malformed line. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      if (line.startsWith('# TYPE ')) expect(line).toMatch(/^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$/);
      continue;
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?) (-?(?:\d+(?:\.\d+)?(?:e[-+]?\d+)?|NaN|\+Inf|-Inf))(?: \d+)?$/.exec(line);
    expect(match, `not a Prometheus sample line: ${line}`).not.toBeNull();
    samples.set(match![1]!, Number(match![2]));
  }
  return samples;
}

async function scrape(): Promise<Map<string, number>> {
  const response = await fetch(`${gw.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  return parsePrometheus(await response.text());
}

const sample = (samples: Map<string, number>, name: string) => samples.get(name) ?? 0;

beforeAll(async () => {
  telemetry = startTelemetry({ serviceName: 'telemetry-test', disabled: false, metrics: true, otlpEndpoint: null, spanProcessors: [new SimpleSpanProcessor(spans)] });
  tier = await startTestInferenceTier(inject('artifactsDir'), 'telemetry-');
  const remote = await tier.connect();
  gw = await startTestGateway({
    // A generous budget: this tests telemetry, not speed on a shared machine.
    env: { BUDGET_HOME_MS: '3000', BUDGET_CHECKOUT_MS: '3000', RESPONSE_CACHE: 'true' },
    remoteRanker: remote,
    gatewayOptions: { metricsEndpoint: telemetry.metricsEndpoint },
  });
});

afterAll(async () => {
  await gw?.close();
  await tier?.close();
  await telemetry?.shutdown();
});

describe('spans', () => {
  it('nest HTTP > operation > candidates / features / ranking for a HomeFeed request', async () => {
    spans.reset();
    const { status, parts } = await homeFeed('3', {}, 'CHECKOUT');
    expect(status).toBe(200);
    expect(parts[1]!.body.incremental[0].data.refined.model).toBe('ranker-light@1');
    const all = await finishedSpans((s) => s.some((x) => x.name === 'POST /graphql'));
    const http = all.find((s) => s.name === 'POST /graphql')!;
    expect(http.kind).toBe(SpanKind.SERVER);
    expect(http.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/graphql', 'http.response.status_code': 200 });
    const operation = all.find((s) => s.name === `${SPAN.GRAPHQL_OPERATION} HomeFeed`)!;
    expect(operation, all.map((s) => s.name).join(', ')).toBeDefined();
    expect(parentOf(operation)).toBe(idOf(http));
    expect(operation.attributes).toMatchObject({
      'graphql.operation.name': 'HomeFeed',
      'graphql.operation.type': 'query',
      'graphql.document.id': documentId('HomeFeed'),
    });
    const candidates = all.find((s) => s.name === SPAN.CANDIDATES)!;
    expect(parentOf(candidates)).toBe(idOf(operation));
    expect(candidates.attributes['feed.candidates.count']).toBeGreaterThan(0);
    const loads = all.filter((s) => s.name === SPAN.FEATURE_LOAD);
    expect(loads.map((s) => s.attributes['features.kind'])).toEqual(expect.arrayContaining(['user', 'item']));
    for (const load of loads) expect(descendsFrom(load, operation, all)).toBe(true);
    const ranking = all.find((s) => s.name === SPAN.RANKING)!;
    expect(ranking.attributes).toMatchObject({ backend: 'local', 'ranking.model': 'ranker-light@1' });
    expect(ranking.attributes['ranking.rows']).toBeGreaterThan(0);
    expect(descendsFrom(ranking, operation, all)).toBe(true);
    for (const span of all) expect(traceOf(span)).toBe(traceOf(http));
  });

  it('continue an incoming W3C traceparent', async () => {
    spans.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await homeFeed('4', { traceparent: `00-${traceId}-00f067aa0ba902b7-01` }, 'CHECKOUT');
    const all = await finishedSpans((s) => s.some((x) => x.name === 'POST /graphql'));
    const http = all.find((s) => s.name === 'POST /graphql')!;
    expect(traceOf(http)).toBe(traceId);
    expect(parentOf(http)).toBe('00f067aa0ba902b7');
  });

  it('carry the trace id through gRPC ModelInfer into the inference server spans', async () => {
    spans.reset();
    const { parts } = await homeFeed('5');
    expect(parts[1]!.body.incremental[0].data.refined.model).toBe('ranker-heavy@1');
    const all = await finishedSpans((s) => s.some((x) => x.name === 'POST /graphql') && s.some((x) => x.name === SPAN.INFERENCE_BATCH));
    const http = all.find((s) => s.name === 'POST /graphql')!;
    const ranking = all.find((s) => s.name === SPAN.RANKING && s.attributes.backend === 'remote')!;
    expect(ranking).toBeDefined();
    const client = all.find((s) => s.name === SPAN.MODEL_INFER_CLIENT && s.kind === SpanKind.CLIENT)!;
    expect(parentOf(client)).toBe(idOf(ranking));
    expect(client.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.method': 'ModelInfer' });
    expect(client.attributes['inference.batch.rows']).toBeGreaterThan(0);
    // The server span's parent is the client span: it came through the `traceparent` metadata.
    const serverSpan = all.find((s) => s.name === SPAN.MODEL_INFER_SERVER && s.kind === SpanKind.SERVER)!;
    expect(traceOf(serverSpan)).toBe(traceOf(http));
    expect(parentOf(serverSpan)).toBe(idOf(client));
    expect(serverSpan.parentSpanContext?.isRemote).toBe(true);
    const batch = all.find((s) => s.name === SPAN.INFERENCE_BATCH)!;
    expect(parentOf(batch)).toBe(idOf(serverSpan));
    expect(batch.attributes['inference.batch.rows']).toBeGreaterThan(0);
  });
});

describe('headers and request ids', () => {
  it('echoes a sane x-request-id and puts it in GraphQL errors', async () => {
    const response = await runPersisted(gw, 'HomeFeed', { first: 0 }, { 'x-request-id': 'client-req-42' });
    expect(response.headers.get('x-request-id')).toBe('client-req-42');
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', requestId: 'client-req-42' });
  });

  it('replaces an insane x-request-id and tags errors raised before execution', async () => {
    const response = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'bad id with spaces' },
      body: JSON.stringify({ documentId: `sha256:${'0'.repeat(64)}` }),
    });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[A-Za-z0-9_-]{9,}$/);
    const body = (await response.json()) as { errors: Array<{ extensions: Record<string, unknown> }> };
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'PERSISTED_QUERY_NOT_IN_LIST', requestId: id });
  });

  it('puts the request id in the JSON body of a request refused by the HTTP layer', async () => {
    const response = await fetch(`${gw.graphqlUrl}?variables=not-json`, { headers: { 'x-request-id': 'refused-1' } });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-request-id')).toBe('refused-1');
    expect(await response.json()).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'BAD_REQUEST', requestId: 'refused-1' } }] });
  });

  it('sends Server-Timing: phases and total on a single response, first on a streamed one', async () => {
    const single = await runPersisted(gw, 'CoarseFeed', { first: 3 }, { 'x-user-id': '6' });
    expect(single.status).toBe(200);
    expect(single.headers.get('server-timing')).toMatch(/(^|, )exec;dur=\d+\.\d+/);
    expect(single.headers.get('server-timing')).toMatch(/(^|, )total;dur=\d+\.\d+$/);
    const streamed = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed', 'x-user-id': '6' },
      body: JSON.stringify({ documentId: documentId('HomeFeed'), variables: { first: 3, surface: 'CHECKOUT' } }),
    });
    expect(streamed.headers.get('server-timing')).toMatch(/(^|, )first;dur=\d+\.\d+/);
    await streamed.text();
  });
});

describe('/metrics', () => {
  it('serves Prometheus text whose counters move with requests', async () => {
    const before = await scrape();
    // The same query twice for the same viewer: a miss, then a hit.
    for (let i = 0; i < 2; i++) expect((await runPersisted(gw, 'CoarseFeed', { first: 4 }, { 'x-user-id': '7' })).status).toBe(200);
    await homeFeed('8');
    const after = await scrape();
    expect(sample(after, 'gateway_response_cache_lookups_total{result="hit"}')).toBe(sample(before, 'gateway_response_cache_lookups_total{result="hit"}') + 1);
    expect(sample(after, 'gateway_response_cache_lookups_total{result="miss"}')).toBeGreaterThan(sample(before, 'gateway_response_cache_lookups_total{result="miss"}'));
    const count = (name: string, labels: string) => sample(after, `${name}_count{${labels}}`) - sample(before, `${name}_count{${labels}}`);
    expect(count('gateway_graphql_first_payload_duration_seconds', 'operation="CoarseFeed",streamed="false"')).toBe(2);
    expect(count('gateway_graphql_final_payload_duration_seconds', 'operation="HomeFeed",streamed="true"')).toBe(1);
    expect(count('gateway_ranking_duration_seconds', 'backend="remote",outcome="ok"')).toBeGreaterThanOrEqual(1);
    expect(count('gateway_http_request_duration_seconds', 'http_request_method="POST",http_route="/graphql",http_response_status_code="200"')).toBe(3);
    expect(sample(after, `gateway_inference_breaker_state{endpoint="127.0.0.1:${tier.server.port}"}`)).toBe(0);
    expect(after.has(`gateway_inference_breaker_state{endpoint="127.0.0.1:${tier.server.port}"}`)).toBe(true);
    expect(sample(after, 'gateway_inference_batch_rows_count')).toBeGreaterThan(0);
    expect(sample(after, 'inference_batch_rows_count')).toBeGreaterThan(0);
  });

  it('counts degraded answers by reason when the ranker fails', async () => {
    const failing = await startTestGateway({
      env: { BUDGET_HOME_MS: '3000' },
      wrapRanker: (real) => ({
        modelId: real.modelId,
        featureCount: real.featureCount,
        score: () => Promise.reject(new RankerError('OVERLOADED', 'test: overloaded')),
        close: async () => {},
      }),
    });
    try {
      const key = 'gateway_ranking_degraded_total{stage="refined",reason="OVERLOADED"}';
      const before = sample(await scrape(), key);
      const { parts } = await fetchIncremental(
        failing.graphqlUrl,
        { method: 'POST', headers: { 'content-type': 'application/json', 'x-user-id': '9' }, body: JSON.stringify({ documentId: documentId('HomeFeed'), variables: { first: 5, surface: 'CHECKOUT' } }) },
        'multipart/mixed',
      );
      expect(parts[1]!.body.incremental[0].data.refined).toMatchObject({ degraded: true, degradedReason: 'OVERLOADED' });
      expect(sample(await scrape(), key)).toBe(before + 1);
      expect((await fetch(`${gw.url}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await failing.close();
    }
  });

  it('has the Prometheus content type', () => {
    expect(PROMETHEUS_CONTENT_TYPE).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
