/**
 * The first seconds of load after an idle period, per set of V8 flags, side by side.
 *
 *   npm run bench:after-idle -- [--idle-s 120] [--burst-s 10] [--warmup-s 10] [--connections 50]
 *     [--rate <req/s>] [--variant "name=flags"]... [--trace-gc] [--json <file>]
 *   (variants default: none, no-memory-reducer, and npm start's flags; --trace-gc adds
 *   a count of each gateway's collections during its burst; --json also writes each burst's
 *   figures to <file>, for `npm run bench`, which runs this as its last step)
 *
 * Starts one gateway per variant (production mode, embedded defaults, response cache on),
 * pinned to core 0 with taskset where available; this process (the load) takes core 1. Warms
 * each one up with a closed loop of persisted CoarseFeed requests for random users, leaves them
 * all idle for `idle-s` (V8 shrinks an idle heap: the memory reducer), then loads them one at
 * a time for `burst-s` (closed loop, or open loop at `--rate`) and prints p50/p99/p99.9/max
 * of each burst, per second too, and the errors. Every response is checked (200, data, no errors).
 * Beside them: the server's own time (Server-Timing `total`) and how late the generator sent,
 * to tell a stall of the server from one of the load generator.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { targetOf, verdict } from './suite/http-client.ts';
import { RawHttpPool } from './suite/raw-http-client.ts';
import { coarseFeed } from './suite/operations.ts';
import { gatewayNodeFlags } from './suite/gateway-node-flags.ts';
import type { AfterIdleBurst } from './suite/after-idle-step.ts';
import { pinLoadGenerator } from './suite/pinning.ts';

const { values: args } = parseArgs({
  options: {
    'idle-s': { type: 'string', default: '120' },
    'burst-s': { type: 'string', default: '10' },
    'warmup-s': { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    rate: { type: 'string', default: '0' },
    users: { type: 'string', default: '10000' },
    variant: { type: 'string', multiple: true },
    'trace-gc': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const IDLE_MS = Number(args['idle-s']) * 1000;
const BURST_MS = Number(args['burst-s']) * 1000;
const WARMUP_MS = Number(args['warmup-s']) * 1000;
const CONNECTIONS = Number(args.connections);
/** Requests per second of an open loop; 0 = a closed loop of CONNECTIONS callers. */
const RATE = Number(args.rate);
const USERS = Number(args.users);
const VARIANTS = (args.variant ?? ['none=', 'no-memory-reducer=--no-memory-reducer', `npm start=${gatewayNodeFlags().join(' ')}`]).map((v) => {
  const eq = v.indexOf('=');
  return { name: v.slice(0, eq), flags: v.slice(eq + 1).split(' ').filter(Boolean) };
});


/** With --trace-gc: each gateway's V8 trace lines, to count the collections of a burst. */
const TRACE_GC = args['trace-gc'] === true;

interface Gateway {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything the gateway wrote to stdout so far (its --trace-gc lines included). */
  readonly output: () => string;
}

async function startGateway(flags: readonly string[]): Promise<Gateway> {
  const pin = spawnSync('taskset', ['--version']).status === 0 ? ['taskset', '-c', '0'] : [];
  const command = [...pin, process.execPath, ...flags, ...(TRACE_GC ? ['--trace-gc'] : []), '--import', 'tsx', 'src/main.ts'];
  const child = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'production', IDENTITY: 'headers' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => void (out += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/\S+)\/graphql/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  return { child, url, output: () => out };
}

/**
 * The main thread's collections in a stretch of --trace-gc output (worker isolates, such as the
 * ranker's, are told apart by their isolate address and left out): counts, and the longest pause.
 */
function gcSummary(trace: string, mainIsolate: string | null): string {
  const lines = trace.split('\n').filter((line) => /: (Scavenge|Mark-Compact|Mark-Sweep)/.test(line) && (!mainIsolate || line.includes(mainIsolate)));
  const pause = (line: string) => Number(/MB, ([\d.]+) \/ [\d.]+ ms/.exec(line)?.[1] ?? 0);
  const scavenges = lines.filter((line) => line.includes(': Scavenge'));
  const majors = lines.filter((line) => !line.includes(': Scavenge'));
  const longest = Math.max(0, ...lines.map(pause));
  const reason = (line: string) => /current mu = [\d.]+\) (.*)$/.exec(line.trim())?.[1] ?? '?';
  const full = majors.map((line) => `${pause(line).toFixed(0)} ms pause, ${/walltime since start of marking (\d+) ms/.exec(line)?.[1] ?? '?'} ms marking: ${reason(line)}`);
  return `${scavenges.length} scavenges, ${majors.length} full (${full.join('; ') || 'none'}); longest pause ${longest.toFixed(1)} ms`;
}

/** The isolate that ran the most scavenges in `trace`: the main thread's under load. */
function busiestIsolate(trace: string): string | null {
  const counts = new Map<string, number>();
  for (const match of trace.matchAll(/\[\d+:(0x[0-9a-f]+)\][^\n]*Scavenge/g)) counts.set(match[1]!, (counts.get(match[1]!) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

interface Sample {
  readonly at: number;
  readonly ms: number;
  /** The server's own time for it (Server-Timing `total`), NaN when absent. */
  readonly serverMs: number;
  /** How late the load generator sent it: high means the generator, not the server, stalled. */
  readonly lagMs: number;
  readonly ok: boolean;
}

/** `total;dur=<ms>` of a Server-Timing header. */
function serverTotal(header: string | null): number {
  const match = header ? /(?:^|,\s*)total;dur=([\d.]+)/.exec(header) : null;
  return match ? Number(match[1]) : NaN;
}

/** CoarseFeed for user after user (spread order), the suite's check of every answer. */
const operation = coarseFeed({ kind: 'rotate', users: USERS });
let sequence = 0;

/** One CoarseFeed over the suite's raw keep-alive client, timed from `due`; `lag` = how late it left. */
async function request(pool: RawHttpPool, start: number, due: number): Promise<Sample> {
  const lagMs = performance.now() - due;
  try {
    const { body, headers } = operation.request(sequence++);
    // Timed from its scheduled send, or from its real one when the timer let it leave early.
    const answer = await pool.send(body, headers, operation.multipart, Math.min(due, performance.now()));
    return { at: due - start, ms: answer.lastMs, serverMs: serverTotal(answer.serverTiming ?? null), lagMs, ok: verdict(operation, answer) === null };
  } catch {
    return { at: due - start, ms: performance.now() - due, serverMs: NaN, lagMs, ok: false };
  }
}

/**
 * CoarseFeed for `durationMs`: a closed loop of CONNECTIONS callers, or with `rate` an open
 * loop, each request sent at its scheduled time and timed from it.
 */
async function load(url: string, durationMs: number, rate = RATE): Promise<Sample[]> {
  const target = targetOf(`${url}/graphql`);
  const pool = new RawHttpPool(target, rate > 0 ? 256 : CONNECTIONS);
  const start = performance.now();
  try {
    if (rate > 0) {
      const runs: Promise<Sample>[] = [];
      const count = Math.floor((durationMs / 1000) * rate);
      for (let i = 0; i < count; i++) {
        const due = start + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        runs.push(request(pool, start, due));
      }
      return await Promise.all(runs);
    }
    const samples: Sample[] = [];
    const worker = async (): Promise<void> => {
      while (performance.now() - start < durationMs) samples.push(await request(pool, start, performance.now()));
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    return samples;
  } finally {
    pool.destroy();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)]!;
}

// The load on core 1 (servers are on core 0), as the suite does.
console.log(pinLoadGenerator().note);
const servers = await Promise.all(VARIANTS.map(async (v) => ({ ...v, ...(await startGateway(v.flags)) })));
try {
  for (const s of servers) {
    await load(s.url, WARMUP_MS, 0);
    console.log(`${s.name}: warmed up ${WARMUP_MS / 1000} s`);
  }
  console.log(`idle ${IDLE_MS / 1000} s...`);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const shape = RATE > 0 ? `open loop at ${RATE} req/s` : `closed loop, ${CONNECTIONS} connections`;
  console.log(`\nFirst ${BURST_MS / 1000} s of load after ${IDLE_MS / 1000} s idle, ${shape}, CoarseFeed (persisted, random users)\n`);
  console.log('| flags | requests | errors | p50 ms | p99 ms | p99.9 ms | max ms | p99 per second | server p99 ms | server max ms | server p99 per second | send lag max ms |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: |');
  const gcLines: string[] = [];
  const bursts: AfterIdleBurst[] = [];
  for (const s of servers) {
    const traceStart = s.output().length;
    const samples = await load(s.url, BURST_MS);
    if (TRACE_GC) gcLines.push(`- ${s.name || 'none'}: ${gcSummary(s.output().slice(traceStart), busiestIsolate(s.output()))}`);
    const sorted = samples.map((x) => x.ms).sort((a, b) => a - b);
    const server = samples.map((x) => x.serverMs).filter((ms) => !Number.isNaN(ms)).sort((a, b) => a - b);
    const perSecond: number[] = [];
    const serverPerSecond: string[] = [];
    for (let second = 0; second < BURST_MS / 1000; second++) {
      const inSecond = samples.filter((x) => x.at >= second * 1000 && x.at < (second + 1) * 1000);
      perSecond.push(percentile(inSecond.map((x) => x.ms).sort((a, b) => a - b), 0.99));
      serverPerSecond.push(percentile(inSecond.map((x) => x.serverMs).filter((ms) => !Number.isNaN(ms)).sort((a, b) => a - b), 0.99).toFixed(0));
    }
    const row = [s.name || 'none', samples.length, samples.filter((x) => !x.ok).length, percentile(sorted, 0.5).toFixed(1), percentile(sorted, 0.99).toFixed(1), percentile(sorted, 0.999).toFixed(1), sorted.at(-1)!.toFixed(1), perSecond.map((ms) => ms.toFixed(0)).join(' '), percentile(server, 0.99).toFixed(1), (server.at(-1) ?? NaN).toFixed(1), serverPerSecond.join(' '), samples.reduce((most, x) => Math.max(most, x.lagMs), 0).toFixed(1)]; // a loop: a burst can hold more samples than a spread's argument limit
    console.log(`| ${row.join(' | ')} |`);
    bursts.push({
      variant: s.name || 'none',
      flags: s.flags.join(' '),
      requests: samples.length,
      errors: samples.filter((x) => !x.ok).length,
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted.at(-1)!,
      worstSecondP99Ms: Math.max(...perSecond),
    });
  }
  if (args.json) writeFileSync(args.json, JSON.stringify({ idleS: IDLE_MS / 1000, burstS: BURST_MS / 1000, load: shape, bursts }));
  if (TRACE_GC) console.log(`\nGarbage collection on the gateway's main thread during each burst (--trace-gc):\n${gcLines.join('\n')}`);
} finally {
  for (const s of servers) s.child.kill();
}
