import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { exportModelRepository } from '../../src/inference-server/export-model-repository.ts';
import { readModelRepository } from '../../src/inference-server/model-repository.ts';
import { startInferenceServer, type InferenceServer } from '../../src/inference-server/server.ts';
import { fp32FromBytes, inferRequest, protocolClient, type ProtocolClient } from '../fixtures/inference-server-client.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const QUEUE_DELAY_US = 20_000;

function features(rows: number, cols: number, seed = 0): Float32Array {
  return Float32Array.from({ length: rows * cols }, (_, i) => Math.sin((i + seed) * 0.37) * 0.5);
}

interface InferResponse {
  id: string;
  model_version: string;
  outputs: Array<{ name: string; datatype: string; shape: number[] }>;
  raw_output_contents: Buffer[];
  parameters: Record<string, { int64_param?: number }>;
}

async function expectStatus(promise: Promise<unknown>, code: grpc.status, message?: RegExp): Promise<void> {
  const error = (await promise.then(() => undefined, (e: unknown) => e)) as grpc.ServiceError | undefined;
  expect(error, 'the call should have failed').toBeDefined();
  expect(grpc.status[error!.code]).toBe(grpc.status[code]);
  if (message) expect(error!.details).toMatch(message);
}

describe('inference server (Open Inference Protocol over onnxruntime-node)', () => {
  let root: string;
  let repo: string;
  let cols: number;
  let server: InferenceServer;
  let client: ProtocolClient;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'inference-server-'));
    repo = join(root, 'models');
    await exportModelRepository({ artifactsDir: inject('artifactsDir'), outDir: repo });
    cols = (await readModelRepository(repo)).get('ranker-light')!.config.inputs[0]!.dims[1]!;
    server = await startInferenceServer({ repository: repo, port: 0, dynamicBatching: { max_batch_rows: 256, max_queue_delay_us: QUEUE_DELAY_US } });
    client = protocolClient(`127.0.0.1:${server.port}`);
  });

  afterAll(async () => {
    client?.close();
    await server?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('exports the four rankers as a repository, version 1 each', async () => {
    const models = await readModelRepository(repo);
    expect([...models.keys()].sort()).toEqual(['ranker-heavy', 'ranker-heavy-int8', 'ranker-light', 'ranker-light-int8']);
    for (const model of models.values()) expect(model.versions.map((v) => v.version)).toEqual(['1']);
  });

  it('answers the health and metadata RPCs', async () => {
    await expect(client.call('ServerLive', {})).resolves.toEqual({ live: true });
    await expect(client.call('ServerReady', {})).resolves.toEqual({ ready: true });
    await expect(client.call('ServerMetadata', {})).resolves.toMatchObject({ name: 'personalization-inference-server' });
    await expect(client.call('ModelReady', { name: 'ranker-heavy-int8', version: '1' })).resolves.toEqual({ ready: true });
    await expect(client.call('ModelReady', { name: 'no-such-model' })).resolves.toEqual({ ready: false });
    await expect(client.call('ModelMetadata', { name: 'ranker-light' })).resolves.toEqual({
      name: 'ranker-light',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, cols] }],
      outputs: [{ name: 'scores', datatype: 'FP32', shape: [-1, 1] }],
    });
    await expectStatus(client.call('ModelMetadata', { name: 'no-such-model' }), grpc.status.NOT_FOUND, /unknown model/);
  });

  it('scores what onnxruntime scores in-process, for raw and for fp32_contents inputs', async () => {
    const rows = 33;
    const x = features(rows, cols);
    for (const model of ['ranker-heavy', 'ranker-light-int8']) {
      const session = await ort.InferenceSession.create(join(repo, model, '1', 'model.onnx'));
      const direct = (await session.run({ features: new ort.Tensor('float32', x.slice(), [rows, cols]) }))['scores']!.data as Float32Array;
      const raw = await client.call<InferResponse>('ModelInfer', inferRequest(model, x, rows, cols));
      const contents = await client.call<InferResponse>('ModelInfer', {
        model_name: model,
        model_version: '1',
        id: 'contents',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [rows, cols], contents: { fp32_contents: Array.from(x) } }],
      });
      for (const response of [raw, contents]) {
        expect(response.outputs).toEqual([{ name: 'scores', datatype: 'FP32', shape: [rows, 1], parameters: {}, contents: null }]);
        expect(response.model_version).toBe('1');
        const scores = fp32FromBytes(response.raw_output_contents[0]!);
        expect(scores).toHaveLength(rows);
        for (let i = 0; i < rows; i++) expect(Math.abs(scores[i]! - direct[i]!)).toBeLessThan(1e-5);
      }
      expect(raw.id).toBe(`${model}-${rows}`);
      expect(contents.id).toBe('contents');
      await session.release();
    }
  });

  it('reads requests beyond gRPC\'s 4 MiB default message size (merged client batches)', async () => {
    // More rows than the model's max_batch_size too, so the answer is the model's refusal: it
    // shows the message was read (gRPC's own limit would answer RESOURCE_EXHAUSTED unread).
    const rows = Math.ceil((4.5 * 1024 * 1024) / (cols * 4));
    await expectStatus(client.call('ModelInfer', inferRequest('ranker-light', features(rows, cols), rows, cols)), grpc.status.INVALID_ARGUMENT, /max_batch_size/);
  });

  it('merges concurrent requests into one batch, and does not hold a lone request beyond max_queue_delay', async () => {
    const rows = 16;
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => client.call<InferResponse>('ModelInfer', inferRequest('ranker-light', features(rows, cols, i), rows, cols))),
    );
    const batchRows = responses.map((r) => r.parameters['batch_rows']!.int64_param!);
    expect(Math.max(...batchRows)).toBeGreaterThan(rows);
    // Each request's scores are its own rows of the merged output.
    const alone = await client.call<InferResponse>('ModelInfer', inferRequest('ranker-light', features(rows, cols, 3), rows, cols));
    expect(fp32FromBytes(responses[3]!.raw_output_contents[0]!)).toEqual(fp32FromBytes(alone.raw_output_contents[0]!));

    const started = performance.now();
    const lone = await client.call<InferResponse>('ModelInfer', inferRequest('ranker-light', features(rows, cols), rows, cols));
    const elapsedMs = performance.now() - started;
    expect(lone.parameters['batch_rows']!.int64_param).toBe(rows);
    expect(elapsedMs).toBeLessThan(QUEUE_DELAY_US / 1000 + 250); // the delay plus a generous run and loopback allowance
  });

  it('answers malformed requests with NOT_FOUND / INVALID_ARGUMENT and a clear message, and keeps serving', async () => {
    const x = features(2, cols);
    await expectStatus(client.call('ModelInfer', inferRequest('no-such-model', x, 2, cols)), grpc.status.NOT_FOUND, /unknown model "no-such-model"/);
    await expectStatus(client.call('ModelInfer', { ...inferRequest('ranker-light', x, 2, cols), model_version: '7' }), grpc.status.NOT_FOUND, /no version "7"/);
    const bad = (input: object, raw: Buffer[] = [Buffer.from(x.buffer)]) =>
      client.call('ModelInfer', { model_name: 'ranker-light', inputs: [{ name: 'features', datatype: 'FP32', shape: [2, cols], ...input }], raw_input_contents: raw });
    await expectStatus(bad({ datatype: 'FP64' }), grpc.status.INVALID_ARGUMENT, /must be FP32, got FP64/);
    await expectStatus(bad({ shape: [2, cols + 1] }), grpc.status.INVALID_ARGUMENT, /must have shape \[rows >= 1, \d+\]/);
    await expectStatus(bad({ shape: [2 * cols] }), grpc.status.INVALID_ARGUMENT, /must have shape/);
    await expectStatus(bad({}, [Buffer.alloc(2 * cols * 4 - 3)]), grpc.status.INVALID_ARGUMENT, /needs \d+ bytes of FP32, raw_input_contents has \d+/);
    await expectStatus(bad({ name: 'other' }), grpc.status.INVALID_ARGUMENT, /unknown input "other"/);
    await expectStatus(bad({}, []), grpc.status.INVALID_ARGUMENT, /has no data/);
    await expectStatus(client.call('ModelInfer', { model_name: 'ranker-light', inputs: [] }), grpc.status.INVALID_ARGUMENT, /exactly one input/);
    await expectStatus(
      client.call('ModelInfer', { ...inferRequest('ranker-light', x, 2, cols), outputs: [{ name: 'logits' }] }),
      grpc.status.INVALID_ARGUMENT,
      /no output "logits"/,
    );
    await expect(client.call('ServerLive', {})).resolves.toEqual({ live: true });
    await expect(client.call<InferResponse>('ModelInfer', inferRequest('ranker-light', x, 2, cols))).resolves.toMatchObject({ model_name: 'ranker-light' });
  });

  it('drops work whose `timeout` parameter has expired: DEADLINE_EXCEEDED, never computed', async () => {
    const before = server.stats()['ranker-heavy@1']!.rows;
    const rows = 512;
    await expectStatus(
      client.call('ModelInfer', inferRequest('ranker-heavy', features(rows, cols), rows, cols, { timeout: { int64_param: 1 } })),
      grpc.status.DEADLINE_EXCEEDED,
    );
    await expectStatus(
      client.call('ModelInfer', inferRequest('ranker-heavy', features(rows, cols), rows, cols, { timeout: { string_param: '5ms' } })),
      grpc.status.INVALID_ARGUMENT,
      /int64 of microseconds/,
    );
    // Give a wrongly queued batch time to run before checking nothing was computed.
    await new Promise((resolve) => setTimeout(resolve, QUEUE_DELAY_US / 1000 + 30));
    expect(server.stats()['ranker-heavy@1']!.rows).toBe(before);
    // A gRPC deadline that is long enough lets the request through.
    await expect(
      client.call('ModelInfer', inferRequest('ranker-heavy', features(rows, cols), rows, cols, { timeout: { int64_param: 5_000_000 } }), { deadline: Date.now() + 5000 }),
    ).resolves.toMatchObject({ model_name: 'ranker-heavy' });
  });

  it('refuses requests beyond the queue limit with RESOURCE_EXHAUSTED, and finishes queued work on graceful shutdown', async () => {
    const small = await startInferenceServer({
      repository: repo,
      port: 0,
      models: ['ranker-light'],
      dynamicBatching: { max_queue_requests: 2, max_queue_delay_us: 2_000_000, max_batch_rows: 4096 },
    });
    const smallClient = protocolClient(`127.0.0.1:${small.port}`);
    try {
      const x = features(4, cols);
      const queued = [0, 1].map(() => smallClient.call<InferResponse>('ModelInfer', inferRequest('ranker-light', x, 4, cols)));
      await new Promise((resolve) => setTimeout(resolve, 100)); // both are waiting out the 2 s queue delay
      await expectStatus(smallClient.call('ModelInfer', inferRequest('ranker-light', x, 4, cols)), grpc.status.RESOURCE_EXHAUSTED, /queue is full/);
      const started = performance.now();
      await small.close(true);
      // Graceful close sent the queued pair at once (not after 2 s), merged, and answered both.
      const answered = await Promise.all(queued);
      expect(answered.map((r) => r.parameters['batch_rows']!.int64_param)).toEqual([8, 8]);
      expect(performance.now() - started).toBeLessThan(1500);
      await expectStatus(smallClient.call('ServerLive', {}, { deadline: Date.now() + 1000 }), grpc.status.UNAVAILABLE);
    } finally {
      smallClient.close();
      await small.close(false);
    }
  });

  it('runs as a CLI child process: serves on the port it prints, and finishes an in-flight request on SIGTERM', async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/inference-server/main.ts', '--models', repo, '--port', '0', '--model', 'ranker-light', '--max-queue-delay-us', '300000'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const address = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          const match = /^inference server listening on (\S+:\d+)$/.exec(line);
          if (match) resolve(match[1]!);
        });
        void exited.then((code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
      });
      const cli = protocolClient(address);
      try {
        await expect(cli.call('ServerReady', {})).resolves.toEqual({ ready: true });
        const inFlight = cli.call<InferResponse>('ModelInfer', inferRequest('ranker-light', features(3, cols), 3, cols));
        await new Promise((resolve) => setTimeout(resolve, 100)); // it now waits out the 300 ms queue delay
        child.kill('SIGTERM');
        const response = await inFlight;
        expect(fp32FromBytes(response.raw_output_contents[0]!)).toHaveLength(3);
        expect(await exited).toBe(0);
      } finally {
        cli.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
