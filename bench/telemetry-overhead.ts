/**
 * What telemetry costs: the HomeFeed load of bench/home-feed-latency.ts (HomeFeed with @defer
 * over multipart/mixed, first: 20, a different head or tail user per request, closed loop)
 * against the gateway in three settings, one child process each, measured in turn:
 *
 *   off        OTEL_SDK_DISABLED=true, METRICS_ENABLED=false
 *   metrics    the default: /metrics on (scraped every second during the run), no spans
 *   unsampled  metrics, a tracer provider and the context manager, but OTEL_TRACES_SAMPLER=always_off:
 *              what creating spans costs when none is recorded
 *   spans      metrics plus every span, exported over OTLP/HTTP to a no-op sink in this process
 *
 *   npm run bench:telemetry -- [--requests 2000] [--concurrency 8] [--warmup-s 5] [--users 10000] [--rounds 1]
 *                              [--modes off,metrics,unsampled,spans]
 *
 * Prints throughput, first/last-payload percentiles and the gateway's CPU time per request
 * (from /proc, steadier than latency on a shared machine) per setting, and the ratios to "off".
 * With --rounds > 1 the settings alternate (off, metrics, spans, off, ...) and samples pool.
 */
import { gatewayNodeFlags } from './suite/gateway-node-flags.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { meros } from 'meros/browser';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
    'warmup-s': { type: 'string', default: '5' },
    users: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '1' },
    modes: { type: 'string', default: 'off,metrics,unsampled,spans' },
  },
});
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const WARMUP_MS = Number(args['warmup-s']) * 1000;
const USERS = Number(args.users);
const ROUNDS = Number(args.rounds);
const SCRAPE_INTERVAL_MS = 1000;

const manifest = JSON.parse(readFileSync(new URL('../persisted-queries/manifest.json', import.meta.url), 'utf8')) as Record<string, string>;
const HOME_FEED_ID = Object.keys(manifest).find((id) => manifest[id]!.includes('query HomeFeed('))!;

type Mode = 'off' | 'metrics' | 'unsampled' | 'spans';
const ALL_MODES: readonly Mode[] = ['off', 'metrics', 'unsampled', 'spans'];
const MODES = args.modes.split(',').map((m) => m.trim()) as Mode[];
for (const mode of MODES) if (!ALL_MODES.includes(mode)) throw new Error(`--modes: unknown setting "${mode}" (${ALL_MODES.join(', ')})`);
if (MODES[0] !== 'off') throw new Error('--modes must start with off (the baseline of the ratios)');

interface Sample {
  firstMs: number;
  lastMs: number;
}

/** An OTLP/HTTP receiver that accepts and drops everything (an empty protobuf answer is a valid one). */
async function startSink(): Promise<{ server: Server; url: string; stats: { requests: number; bytes: number } }> {
  const stats = { requests: 0, bytes: 0 };
  const server = createServer((req, res) => {
    stats.requests++;
    req.on('data', (chunk: Buffer) => (stats.bytes += chunk.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stats };
}

function envFor(mode: Mode, sinkUrl: string): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    IDENTITY: 'headers',
    // Uncached, as in bench:feed: this measures the pipeline with and without telemetry.
    RESPONSE_CACHE: 'false',
    // info: the start lines (the bench waits for "listening on"); per-request logs are debug.
    LOG_LEVEL: 'info',
  };
  delete base.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete base.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (mode === 'off') return { ...base, OTEL_SDK_DISABLED: 'true', METRICS_ENABLED: 'false' };
  if (mode === 'metrics') return { ...base, OTEL_SDK_DISABLED: 'false', METRICS_ENABLED: 'true' };
  const spans = { ...base, OTEL_SDK_DISABLED: 'false', METRICS_ENABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' };
  return mode === 'unsampled' ? { ...spans, OTEL_TRACES_SAMPLER: 'always_off' } : { ...spans, OTEL_TRACES_SAMPLER: 'always_on' };
}

async function startGateway(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const pin = spawnSync('taskset', ['--version']).status === 0 ? ['taskset', '-c', '0'] : [];
  const command = [...pin, process.execPath, ...gatewayNodeFlags(), '--import', 'tsx', 'src/main.ts'];
  const child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/[^\s"]+)\/graphql/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${out.slice(-2000)}`)));
  });
  return { child, url };
}

async function stopGateway(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function homeFeed(url: string, user: number): Promise<Sample> {
  const start = performance.now();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed', 'x-user-id': String(user) },
    body: JSON.stringify({ documentId: HOME_FEED_ID, variables: { first: 20 } }),
  });
  const parts = (await meros(response)) as AsyncIterable<{ body: any }>;
  let firstMs = 0;
  let count = 0;
  for await (const part of parts) {
    if (count++ === 0) {
      firstMs = performance.now() - start;
      if (!part.body.data?.feed?.coarse?.items?.length) throw new Error(`bad first payload: ${JSON.stringify(part.body)}`);
    } else if (!part.body.incremental?.[0]?.data?.refined) {
      throw new Error(`bad patch: ${JSON.stringify(part.body)}`);
    }
  }
  return { firstMs, lastMs: performance.now() - start };
}

async function closedLoop(url: string, requests: number, offset: number): Promise<{ samples: Sample[]; seconds: number }> {
  const samples: Sample[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests) {
        const i = offset + next++;
        samples.push(await homeFeed(url, 1 + ((i * 7919) % USERS)));
      }
    }),
  );
  return { samples, seconds: (performance.now() - start) / 1000 };
}

async function warmUp(url: string): Promise<void> {
  const until = performance.now() + WARMUP_MS;
  let i = 0;
  while (performance.now() < until) await Promise.all(Array.from({ length: CONCURRENCY }, () => homeFeed(url, 1 + (i++ % USERS))));
}

/** Scrapes /metrics every second while the load runs, as Prometheus would. */
function scrapeWhile(url: string): () => Promise<number> {
  let scrapes = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, SCRAPE_INTERVAL_MS));
      if (stopped) break;
      const response = await fetch(`${url}/metrics`);
      if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
      await response.text();
      scrapes++;
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return scrapes;
  };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface Pooled {
  samples: Sample[];
  seconds: number;
  /** Gateway CPU seconds (user + system) over the measured runs; NaN where /proc is missing. */
  cpuSeconds: number;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (USER_HZ, 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

const pooled = Object.fromEntries(ALL_MODES.map((mode) => [mode, { samples: [], seconds: 0, cpuSeconds: 0 }])) as unknown as Record<Mode, Pooled>;
const sink = await startSink();
if (spawnSync('taskset', ['-pc', '1', String(process.pid)]).status !== 0) console.error('taskset unavailable: server and client share cores');
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of MODES) {
      const { child, url } = await startGateway(envFor(mode, sink.url));
      try {
        const metricsOn = (await fetch(`${url}/metrics`)).status === 200;
        if (metricsOn !== (mode !== 'off')) throw new Error(`${mode}: /metrics is ${metricsOn ? 'on' : 'off'}`);
        console.error(`round ${round + 1}/${ROUNDS}, ${mode}: warming up for ${WARMUP_MS / 1000} s...`);
        await warmUp(url);
        const stopScraping = mode === 'off' ? async () => 0 : scrapeWhile(url);
        const cpuBefore = cpuSecondsOf(child.pid!);
        const run = await closedLoop(url, REQUESTS, round * REQUESTS);
        pooled[mode].cpuSeconds += cpuSecondsOf(child.pid!) - cpuBefore;
        await stopScraping();
        pooled[mode].samples.push(...run.samples);
        pooled[mode].seconds += run.seconds;
      } finally {
        await stopGateway(child);
      }
    }
  }
  const f = (v: number) => v.toFixed(2).padStart(8);
  const off = pooled.off;
  const offRate = off.samples.length / off.seconds;
  console.log(`\nTelemetry overhead: HomeFeed (@defer, multipart), ${REQUESTS} requests x ${ROUNDS} round(s) per setting, closed loop at concurrency ${CONCURRENCY}, first: 20, users 1..${USERS}`);
  console.log('(ms; "first" = first payload, "last" = refined patch; ratios are to "off")\n');
  console.log('setting    req/s  p50 first p99 first  p50 last  p99 last  CPU ms/req   req/s  p50 last  p99 last  CPU/req');
  console.log('                                                                        ratio    ratio     ratio    ratio');
  const cpuPerRequest = (r: Pooled) => (r.cpuSeconds * 1000) / r.samples.length;
  for (const mode of MODES) {
    const r = pooled[mode];
    const rate = r.samples.length / r.seconds;
    const first = r.samples.map((s) => s.firstMs);
    const last = r.samples.map((s) => s.lastMs);
    const ratio = (q: number) => (quantile(last, q) / quantile(off.samples.map((s) => s.lastMs), q)).toFixed(3).padStart(9);
    console.log(
      `${mode.padEnd(9)}${rate.toFixed(0).padStart(7)} ${f(quantile(first, 0.5))}  ${f(quantile(first, 0.99))} ${f(quantile(last, 0.5))}  ${f(quantile(last, 0.99))} ${cpuPerRequest(r).toFixed(2).padStart(11)} ${(rate / offRate).toFixed(3).padStart(7)} ${ratio(0.5)} ${ratio(0.99)} ${(cpuPerRequest(r) / cpuPerRequest(off)).toFixed(3).padStart(8)}`,
    );
  }
  console.log(`\nOTLP sink received ${sink.stats.requests} export requests, ${(sink.stats.bytes / 1024).toFixed(0)} KiB`);
} finally {
  sink.server.close();
}
