import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import * as ort from 'onnxruntime-node';
import { afterEach, beforeAll, describe, expect, it, inject } from 'vitest';
import { RemoteRanker, type RemoteRankerOptions } from '../../src/adapters/kserve/remote-ranker.ts';
import { loadArtifacts, modelPath, type ModelEntry } from '../../src/offline/artifacts.ts';
import { Deadline } from '../../src/pipeline/deadline.ts';
import { RankerError } from '../../src/ports/ranker.ts';
import { KServeTestServer, type KServeTestServerOptions } from '../fixtures/kserve-test-server.ts';

function randomRows(rows: number, cols: number, seed = 0): Float32Array {
  return Float32Array.from({ length: rows * cols }, (_, i) => Math.sin((i + seed) * 0.37) * 0.5);
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RankerError);
  return (error as RankerError).reason;
}

describe('RemoteRanker over gRPC (Open Inference Protocol)', () => {
  let entry: ModelEntry;
  let path: string;
  let session: ort.InferenceSession;
  const servers: KServeTestServer[] = [];
  const rankers: RemoteRanker[] = [];

  beforeAll(async () => {
    ({ entry, path } = modelPath(await loadArtifacts(inject('artifactsDir')), 'ranker-light', 'fp32'));
    session = await ort.InferenceSession.create(path);
  });

  afterEach(async () => {
    for (const ranker of rankers.splice(0)) await ranker.close();
    for (const server of servers.splice(0)) await server.close();
  });

  async function startServer(extra: Partial<KServeTestServerOptions> = {}): Promise<KServeTestServer> {
    const server = await KServeTestServer.start({
      modelPath: path,
      modelName: entry.name,
      modelVersion: entry.version,
      inputName: entry.inputName,
      outputName: entry.outputName,
      featureCount: entry.featureCount,
      ...extra,
    });
    servers.push(server);
    return server;
  }

  async function connect(addresses: string[], extra: Partial<RemoteRankerOptions> = {}): Promise<RemoteRanker> {
    const ranker = await RemoteRanker.connect({
      endpoints: addresses,
      modelName: entry.name,
      featureCount: entry.featureCount,
      inputName: entry.inputName,
      outputName: entry.outputName,
      deadlineMarginMs: 5,
      maxBatchRows: 4096,
      maxBatchDelayUs: 500,
      ...extra,
    });
    rankers.push(ranker);
    return ranker;
  }

  async function direct(features: Float32Array, rows: number): Promise<Float32Array> {
    const result = await session.run({ [entry.inputName]: new ort.Tensor('float32', features.slice(), [rows, entry.featureCount]) });
    return result[entry.outputName]!.data as Float32Array;
  }

  it('scores what onnxruntime scores in-process, and sends the deadline as the timeout parameter', async () => {
    const server = await startServer();
    const ranker = await connect([server.address]);
    expect(ranker.modelId).toBe(`${entry.name}@${entry.version}`);
    const rows = 57;
    const features = randomRows(rows, entry.featureCount);
    const scores = await ranker.score(features, rows, Deadline.after(2000));
    const expected = await direct(features, rows);
    expect(scores).toHaveLength(rows);
    for (let i = 0; i < rows; i++) expect(Math.abs(scores[i]! - expected[i]!)).toBeLessThan(1e-5);
    expect(server.timeoutsUs).toHaveLength(1);
    // The budget (2 s) minus the margin (5 ms), in microseconds, less what passed before sending.
    expect(server.timeoutsUs[0]!).toBeGreaterThan(1_900_000);
    expect(server.timeoutsUs[0]!).toBeLessThanOrEqual(1_995_000);
  });

  it('reads typed fp32_contents when a server leaves raw_output_contents empty', async () => {
    const server = await startServer({ typedContents: true });
    const ranker = await connect([server.address]);
    const features = randomRows(9, entry.featureCount, 3);
    const scores = await ranker.score(features, 9, Deadline.after(2000));
    const expected = await direct(features, 9);
    for (let i = 0; i < 9; i++) expect(Math.abs(scores[i]! - expected[i]!)).toBeLessThan(1e-5);
  });

  it('merges concurrent score() calls into fewer ModelInfer calls, each caller getting its own rows', async () => {
    const server = await startServer();
    const ranker = await connect([server.address], { maxBatchDelayUs: 5000 });
    const callers = 16;
    const inputs = Array.from({ length: callers }, (_, k) => ({ rows: 3 + k, features: randomRows(3 + k, entry.featureCount, 1000 * k) }));
    const results = await Promise.all(inputs.map((input) => ranker.score(input.features, input.rows, Deadline.after(5000))));
    expect(server.inferCalls).toBeLessThan(callers);
    expect(server.inferCalls).toBe(1); // all 16 arrived within one delay window and fit under maxBatchRows
    expect(server.inferRows).toBe(inputs.reduce((s, i) => s + i.rows, 0));
    for (const [k, input] of inputs.entries()) {
      const expected = await direct(input.features, input.rows);
      expect(results[k]).toHaveLength(input.rows);
      for (let i = 0; i < input.rows; i++) expect(Math.abs(results[k]![i]! - expected[i]!)).toBeLessThan(1e-5);
    }
  });

  it('splits at maxBatchRows', async () => {
    const server = await startServer();
    const ranker = await connect([server.address], { maxBatchRows: 100, maxBatchDelayUs: 5000 });
    await Promise.all(Array.from({ length: 8 }, (_, k) => ranker.score(randomRows(40, entry.featureCount, k), 40, Deadline.after(5000))));
    expect(server.inferRows).toBe(320);
    expect(server.inferCalls).toBe(4); // 40 + 40 fit, a third would pass 100
  });

  it('rejects with DEADLINE_EXCEEDED within the budget when the server is slower than the deadline', async () => {
    const server = await startServer();
    const ranker = await connect([server.address], { deadlineMarginMs: 10 });
    server.delayMs = 2000;
    const started = performance.now();
    expect(await reasonOf(ranker.score(randomRows(5, entry.featureCount), 5, Deadline.after(150)))).toBe('DEADLINE_EXCEEDED');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(500); // the server would have answered after 2000 ms
    expect(server.inferCalls).toBe(1);
    expect(server.timeoutsUs[0]!).toBeLessThanOrEqual(140_000);
  });

  it('fails fast when the server is down, opens the breaker, and closes it after a restart (half-open probe)', async () => {
    const server = await startServer();
    const ranker = await connect([server.address], {
      breakerFailures: 3,
      breakerOpenMs: 300,
      readinessIntervalMs: 60_000,
      client: { initialReconnectBackoffMs: 50, maxReconnectBackoffMs: 100 },
    });
    const rows = 4;
    const features = () => randomRows(rows, entry.featureCount);
    await ranker.score(features(), rows, Deadline.after(2000));
    await server.stop();
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      expect(await reasonOf(ranker.score(features(), rows, Deadline.after(5000)))).toBe('BACKEND_UNAVAILABLE');
      expect(performance.now() - started).toBeLessThan(1000); // fails fast, long before the 5 s deadline
    }
    expect(ranker.endpoints()[0]!.breaker).toBe('open');
    const started = performance.now();
    expect(await reasonOf(ranker.score(features(), rows, Deadline.after(5000)))).toBe('CIRCUIT_OPEN');
    expect(performance.now() - started).toBeLessThan(50);

    await server.start();
    const callsBefore = server.inferCalls;
    await sleep(350);
    const scores = await ranker.score(features(), rows, Deadline.after(5000));
    expect(scores).toHaveLength(rows);
    expect(server.inferCalls).toBe(callsBefore + 1);
    expect(ranker.endpoints()[0]!.breaker).toBe('closed');
  });

  it('sends work to the endpoint with the fewest calls outstanding', async () => {
    const a = await startServer();
    const b = await startServer();
    const ranker = await connect([a.address, b.address], { maxBatchRows: 1 }); // every call alone
    a.delayMs = 1500;
    // Park one call on the slow server A (the first call lands on either; retry until one is on A).
    let parked: Promise<Float32Array> | undefined;
    for (let i = 0; i < 6 && a.inferCalls === 0; i++) {
      const p = ranker.score(randomRows(1, entry.featureCount), 1, Deadline.after(5000));
      await sleep(30);
      if (a.inferCalls > 0) parked = p;
      else await p;
    }
    expect(parked).toBeDefined();
    const bBefore = b.inferCalls;
    for (let i = 0; i < 10; i++) await ranker.score(randomRows(1, entry.featureCount, i), 1, Deadline.after(5000));
    expect(a.inferCalls).toBe(1); // round robin would have sent five of these to A
    expect(b.inferCalls - bBefore).toBe(10);
    expect(ranker.endpoints().find((e) => e.address === a.address)!.outstanding).toBe(1);
    await parked;
  });

  it('maps RESOURCE_EXHAUSTED to OVERLOADED without opening the breaker', async () => {
    const server = await startServer();
    const ranker = await connect([server.address], { breakerFailures: 2 });
    server.failWith = grpc.status.RESOURCE_EXHAUSTED;
    for (let i = 0; i < 4; i++) expect(await reasonOf(ranker.score(randomRows(2, entry.featureCount), 2, Deadline.after(2000)))).toBe('OVERLOADED');
    expect(ranker.endpoints()[0]!.breaker).toBe('closed');
    server.failWith = grpc.status.INTERNAL;
    expect(await reasonOf(ranker.score(randomRows(2, entry.featureCount), 2, Deadline.after(2000)))).toBe('BACKEND_UNAVAILABLE');
  });

  it('hedges a call that outlives the observed p95 onto another endpoint', async () => {
    const a = await startServer();
    const b = await startServer();
    const ranker = await connect([a.address, b.address], { hedging: true, maxBatchRows: 1 });
    // Build up a p95 on both endpoints while both are fast.
    expect(ranker.observedP95Ms()).toBe(0);
    for (let i = 0; i < 60; i++) await ranker.score(randomRows(1, entry.featureCount, i), 1, Deadline.after(2000));
    expect(ranker.observedP95Ms()).toBeGreaterThan(0);
    expect(ranker.observedP95Ms()).toBeLessThan(500);
    a.delayMs = 2000;
    const started = performance.now();
    for (let i = 0; i < 4; i++) await ranker.score(randomRows(1, entry.featureCount, i), 1, Deadline.after(5000));
    // Calls that landed on A were answered by B's copy, long before A's 2 s.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(a.inferCalls + b.inferCalls).toBeGreaterThan(60 + 4);
  });

  it('refuses to connect when no endpoint is ready', async () => {
    const server = await startServer();
    server.ready = false;
    await expect(connect([server.address], { connectTimeoutMs: 400 })).rejects.toMatchObject({ reason: 'BACKEND_UNAVAILABLE' });
  });
});
