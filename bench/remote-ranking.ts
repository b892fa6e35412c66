/**
 * RemoteRanker throughput and latency at a fixed concurrency, with and without micro-batching.
 *
 *   node --import tsx bench/remote-ranking.ts [--concurrency 64] [--requests 2000] [--rows 500]
 *     [--batch-rows 4096] [--delay-us 500]
 *
 * Builds a small synthetic artifacts folder (ranker-light only) in a temp dir, exports it as a
 * model repository and starts our inference server (src/inference-server, one session) in a
 * child process on loopback, with its own dynamic batching off unless --server-batching (so the
 * ratio isolates the client's micro-batching), and runs `concurrency`
 * closed-loop callers of RemoteRanker.score, `requests` calls in all, each of `rows` rows:
 * once unbatched (maxBatchRows = rows: one ModelInfer per call) and once batched. Prints
 * calls/s, p50/p99 per call and ModelInfer calls sent, then the ratio; writes
 * bench/results/remote-ranking.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RemoteRanker } from '../src/adapters/kserve/remote-ranker.ts';
import { loadArtifacts, modelPath, type ModelEntry } from '../src/offline/artifacts.ts';
import { buildSyntheticArtifacts } from '../src/offline/build-synthetic-artifacts.ts';
import { Deadline } from '../src/pipeline/deadline.ts';
import { exportModelRepository } from '../src/inference-server/export-model-repository.ts';
import { startInferenceServer } from '../src/inference-server/server.ts';

const { values: args } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '64' },
    requests: { type: 'string', default: '2000' },
    rows: { type: 'string', default: '500' },
    'batch-rows': { type: 'string', default: '4096' },
    'delay-us': { type: 'string', default: '500' },
    'server-batching': { type: 'boolean', default: false },
    serve: { type: 'string' }, // internal: run the server for this artifacts folder and print its port
  },
});

const CALL_BUDGET_MS = 10_000;

if (args.serve) {
  const repository = join(args.serve, '..', 'models');
  await exportModelRepository({ artifactsDir: args.serve, outDir: repository });
  const server = await startInferenceServer({
    repository,
    port: 0,
    models: ['ranker-light'],
    // Off: a batch is exactly one request. On: the server merges requests too.
    dynamicBatching: args['server-batching'] ? {} : { max_batch_rows: 1, max_queue_delay_us: 0 },
  });
  console.log(JSON.stringify({ port: server.port }));
  // Report how many model runs and rows it served when asked, then keep serving.
  process.stdin.on('data', () => {
    const stats = Object.values(server.stats());
    console.log(JSON.stringify({ inferCalls: stats.reduce((n, s) => n + s.batches, 0), inferRows: stats.reduce((n, s) => n + s.rows, 0) }));
  });
} else {
  await main();
}

interface Run {
  mode: string;
  maxBatchRows: number;
  callsPerSec: number;
  rowsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  modelInferCalls: number;
  errors: number;
}

async function main(): Promise<void> {
  const concurrency = Number(args.concurrency);
  const requests = Number(args.requests);
  const rows = Number(args.rows);
  const root = await mkdtemp(join(tmpdir(), 'bench-remote-'));
  const dir = join(root, 'artifacts');
  console.error('building artifacts (small synthetic world, ranker-light only)...');
  await buildSyntheticArtifacts({ dir, seed: 7, items: 3000, users: 400, dimension: 64, heavy: false, quiet: true }); // d = 64: the default's 199 features
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const { entry } = modelPath(await loadArtifacts(dir), 'ranker-light', 'fp32');
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const next = async (): Promise<Record<string, number>> => JSON.parse(String((await lines.next()).value)) as Record<string, number>;
    const { port } = await next();
    const address = `127.0.0.1:${port}`;
    const counts = async (): Promise<number> => {
      child.stdin!.write('\n');
      return (await next()).inferCalls!;
    };

    const runs: Run[] = [];
    for (const [mode, maxBatchRows] of [['unbatched', rows], ['batched', Number(args['batch-rows'])]] as const) {
      const ranker = await RemoteRanker.connect({
        endpoints: [address],
        modelName: entry.name,
        featureCount: entry.featureCount,
        inputName: entry.inputName,
        outputName: entry.outputName,
        deadlineMarginMs: 0,
        maxBatchRows,
        maxBatchDelayUs: Number(args['delay-us']),
      });
      try {
        await load(ranker, entry, concurrency, Math.min(200, requests), rows); // warm-up
        const before = await counts();
        const result = await load(ranker, entry, concurrency, requests, rows);
        runs.push({ mode, maxBatchRows, ...result, modelInferCalls: (await counts()) - before });
      } finally {
        await ranker.close();
      }
    }

    console.log(`\nRemoteRanker.score, ${concurrency} concurrent callers, ${requests} calls of ${rows} rows (F=${entry.featureCount}), our inference server on loopback (cpu, one session, server batching ${args['server-batching'] ? 'on' : 'off'})\n`);
    console.log('| mode | maxBatchRows | calls/s | rows/s | p50 ms | p99 ms | model runs | errors |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of runs) {
      console.log(`| ${r.mode} | ${r.maxBatchRows} | ${r.callsPerSec.toFixed(0)} | ${r.rowsPerSec.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.modelInferCalls} | ${r.errors} |`);
    }
    const [unbatched, batched] = runs as [Run, Run];
    console.log(`\nthroughput batched / unbatched: ${(batched.callsPerSec / unbatched.callsPerSec).toFixed(2)}x; p50 ${(batched.p50Ms / unbatched.p50Ms).toFixed(2)}x; p99 ${(batched.p99Ms / unbatched.p99Ms).toFixed(2)}x`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(
      'bench/results/remote-ranking.json',
      `${JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: cpus().length, concurrency, requests, rows, delayUs: Number(args['delay-us']), runs }, null, 2)}\n`,
    );
    console.log('wrote bench/results/remote-ranking.json');
  } finally {
    child.kill();
    await rm(root, { recursive: true, force: true });
  }
}

/** `concurrency` closed-loop callers sharing `requests` calls; latency per call. */
async function load(ranker: RemoteRanker, entry: ModelEntry, concurrency: number, requests: number, rows: number) {
  const features = Float32Array.from({ length: rows * entry.featureCount }, (_, i) => Math.sin(i * 0.37) * 0.5);
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (issued < requests) {
      issued++;
      const t0 = performance.now();
      try {
        await ranker.score(features, rows, Deadline.after(CALL_BUDGET_MS));
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { callsPerSec: requests / seconds, rowsPerSec: (requests * rows) / seconds, p50Ms: at(0.5), p99Ms: at(0.99), errors };
}
