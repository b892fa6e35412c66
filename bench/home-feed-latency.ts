/**
 * HomeFeed latency, first and last payload, against the gateway on its embedded defaults.
 *
 *   npm run bench:feed -- [--requests 2000] [--concurrency 8] [--warmup-s 10] [--users 10000]
 *
 * Starts the gateway as a child process (pinned to core 0 with taskset when available; this
 * load generator takes core 1), warms it up, then sends HomeFeed (@defer, multipart/mixed) as a
 * closed loop at fixed concurrency, each request as a different head or tail user. CoarseFeed
 * runs the same way as the baseline for ratios. Prints p50/p90/p99 of the time to the first
 * payload and to the last one.
 */
import { gatewayNodeFlags } from './suite/gateway-node-flags.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { meros } from 'meros/browser';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
    'warmup-s': { type: 'string', default: '10' },
    users: { type: 'string', default: '10000' },
  },
});
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const WARMUP_MS = Number(args['warmup-s']) * 1000;
const USERS = Number(args.users);

const manifest = JSON.parse(readFileSync(new URL('../persisted-queries/manifest.json', import.meta.url), 'utf8')) as Record<string, string>;
const idOf = (name: string) => Object.keys(manifest).find((id) => manifest[id]!.includes(`query ${name}(`))!;

interface Sample {
  firstMs: number;
  lastMs: number;
  degraded: boolean;
}

async function startGateway(): Promise<{ child: ChildProcess; url: string }> {
  const pin = spawnSync('taskset', ['--version']).status === 0 ? ['taskset', '-c', '0'] : [];
  const command = [...pin, process.execPath, ...gatewayNodeFlags(), '--import', 'tsx', 'src/main.ts'];
  const child = spawn(command[0]!, command.slice(1), {
    // Uncached: this measures the pipeline; the response cache has its own figures.
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'production', IDENTITY: 'headers', RESPONSE_CACHE: 'false' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      process.stderr.write(chunk);
      const match = /listening on (http:\/\/\S+)\/graphql/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  return { child, url };
}

async function homeFeed(url: string, user: number): Promise<Sample> {
  const start = performance.now();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed', 'x-user-id': String(user) },
    body: JSON.stringify({ documentId: idOf('HomeFeed'), variables: { first: 20 } }),
  });
  const parts = (await meros(response)) as AsyncIterable<{ body: any }>;
  let firstMs = 0;
  let degraded = false;
  let count = 0;
  for await (const part of parts) {
    if (count++ === 0) {
      firstMs = performance.now() - start;
      if (!part.body.data?.feed?.coarse?.items?.length) throw new Error(`bad first payload: ${JSON.stringify(part.body)}`);
    } else {
      const refined = part.body.incremental?.[0]?.data?.refined;
      if (!refined) throw new Error(`bad patch: ${JSON.stringify(part.body)}`);
      degraded = refined.degraded;
    }
  }
  return { firstMs, lastMs: performance.now() - start, degraded };
}

async function coarseFeed(url: string, user: number): Promise<Sample> {
  const start = performance.now();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': String(user) },
    body: JSON.stringify({ documentId: idOf('CoarseFeed'), variables: { first: 20 } }),
  });
  const body = (await response.json()) as any;
  if (!body.data?.feed?.coarse?.items?.length) throw new Error(`bad CoarseFeed answer: ${JSON.stringify(body)}`);
  const ms = performance.now() - start;
  return { firstMs: ms, lastMs: ms, degraded: false };
}

async function closedLoop(run: (user: number) => Promise<Sample>, requests: number, concurrency: number): Promise<{ samples: Sample[]; seconds: number }> {
  const samples: Sample[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const i = next++;
        samples.push(await run(1 + ((i * 7919) % USERS)));
      }
    }),
  );
  return { samples, seconds: (performance.now() - start) / 1000 };
}

async function warmUp(run: (user: number) => Promise<Sample>): Promise<void> {
  const until = performance.now() + WARMUP_MS;
  let i = 0;
  while (performance.now() < until) await Promise.all(Array.from({ length: CONCURRENCY }, () => run(1 + (i++ % USERS))));
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function row(name: string, r: { samples: Sample[]; seconds: number }): string {
  const first = r.samples.map((s) => s.firstMs);
  const last = r.samples.map((s) => s.lastMs);
  const degraded = r.samples.filter((s) => s.degraded).length;
  const f = (v: number) => v.toFixed(2).padStart(7);
  return `${name.padEnd(11)} ${(r.samples.length / r.seconds).toFixed(0).padStart(7)} ${f(quantile(first, 0.5))} ${f(quantile(first, 0.9))} ${f(quantile(first, 0.99))} ${f(quantile(last, 0.5))} ${f(quantile(last, 0.9))} ${f(quantile(last, 0.99))} ${String(degraded).padStart(8)}`;
}

const { child, url } = await startGateway();
try {
  if (spawnSync('taskset', ['-pc', '1', String(process.pid)]).status !== 0) console.error('taskset unavailable: server and client share cores');
  console.error(`warming up for ${WARMUP_MS / 1000} s...`);
  await warmUp((u) => homeFeed(url, u));
  await warmUp((u) => coarseFeed(url, u));
  const coarse = await closedLoop((u) => coarseFeed(url, u), REQUESTS, CONCURRENCY);
  const home = await closedLoop((u) => homeFeed(url, u), REQUESTS, CONCURRENCY);
  console.log(`\nHomeFeed latency, ${REQUESTS} requests per row, closed loop at concurrency ${CONCURRENCY}, first: 20, users 1..${USERS}`);
  console.log('(ms; "first" = first payload (coarse), "last" = refined patch; server on core 0, load on core 1)\n');
  console.log('operation     req/s   p50 1st p90 1st p99 1st  p50 last p90 last p99 last degraded');
  console.log(row('CoarseFeed', coarse));
  console.log(row('HomeFeed', home));
  const ratio = quantile(home.samples.map((s) => s.firstMs), 0.5) / quantile(coarse.samples.map((s) => s.firstMs), 0.5);
  console.log(`\nHomeFeed first payload p50 / CoarseFeed p50 = ${ratio.toFixed(2)}`);
} finally {
  child.kill('SIGTERM');
}
