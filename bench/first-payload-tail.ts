/**
 * Why are the slow first payloads slow? Runs HomeFeed (uncached, in-process ranker) at a fixed
 * open-loop rate against a gateway started with bench/suite/arrival-log.mjs, which records when
 * each request reached the handler and when its headers left, and every collection. Each late
 * first payload is then split into the time before the server saw the request (queued behind
 * other work, or the process was not running) and the time the server took, and the late ones
 * are grouped into bursts with the collections that overlap them. See README "The first
 * payload goes first".
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCli } from '../src/cli/parse-cli.ts';
import { benchSetup, graphqlUrlOf } from './suite/bench-setup.ts';
import { startChildServer } from './suite/child-server.ts';
import { targetOf } from './suite/http-client.ts';
import { percentiles } from './suite/percentiles.ts';
import { RawHttpPool } from './suite/raw-http-client.ts';

const USAGE = `usage: npm run bench:first-tail -- [--rate 226] [--seconds 10] [--items 100000] [--slow-ms 5] [--node-flags '<flags>']

HomeFeed open loop at --rate for --seconds (after 4 s of warm-up at the same rate); prints the
first-payload percentiles, then each burst of first payloads slower than --slow-ms: when, how
many, how late the server saw them, how long it took, and the collections that overlapped them.
--node-flags adds V8/Node flags to the gateway's own (npm start's).
`;

const cli = parseCli(
  process.argv.slice(2),
  {
    rate: { type: 'string', default: '226' },
    seconds: { type: 'string', default: '10' },
    items: { type: 'string', default: '100000' },
    'slow-ms': { type: 'string', default: '5' },
    'node-flags': { type: 'string', default: '' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  USAGE,
);
if (cli.exitCode !== undefined) process.exit(cli.exitCode);
const rate = Math.max(1, Number(cli.values.rate));
const seconds = Math.max(1, Number(cli.values.seconds));
const items = Math.max(1000, Number(cli.values.items));
const slowMs = Number(cli.values['slow-ms']);
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const { pinning, scenario: scenarioOf } = await benchSetup(items, log);
const scenario = scenarioOf('job/local/homefeed-uncached');
const logFile = join(tmpdir(), `arrival-log-${process.pid}.json`);
const server = await startChildServer({
  name: 'gateway',
  command: [
    ...pinning.serverPrefix,
    process.execPath,
    ...scenario.server.nodeFlags,
    ...cli.values['node-flags'].split(' ').filter(Boolean),
    '--import',
    resolve('bench/suite/arrival-log.mjs'),
    '--import',
    'tsx',
    scenario.server.entry,
  ],
  env: { ...scenario.server.env, ARRIVAL_LOG_FILE: logFile },
  ready: /listening on (http:\/\/\S+?)\/graphql/,
});

interface Sent {
  readonly id: string;
  /** Epoch ms of the scheduled send. */
  readonly at: number;
  readonly firstMs: number;
}

/** Sends `count` HomeFeed requests at `rate`, each at its scheduled time, tagged with an x-request-id. */
let bad = 0;
async function openLoop(pool: RawHttpPool, count: number, tag: string): Promise<Sent[]> {
  const sent: Sent[] = [];
  const intervalMs = 1000 / rate;
  const start = performance.now() + 5;
  const answers: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const intended = start + i * intervalMs;
    while (performance.now() < intended) await new Promise((r) => setImmediate(r));
    const { body, headers } = scenario.operation.request(i);
    const id = `${tag}-${i}`;
    answers.push(
      pool.send(body, { ...headers, 'x-request-id': id }, true, intended).then((answer) => {
        if (answer.status === 200) sent.push({ id, at: performance.timeOrigin + intended, firstMs: answer.firstMs });
        else bad++;
      }, () => void bad++),
    );
  }
  await Promise.all(answers);
  return sent;
}

let sent: Sent[];
try {
  const pool = new RawHttpPool(targetOf(graphqlUrlOf(server)), 512);
  await openLoop(pool, Math.round(rate * 4), 'warm');
  sent = await openLoop(pool, Math.round(rate * seconds), 'run');
  pool.destroy();
} finally {
  await server.stop();
}
const recorded = JSON.parse(readFileSync(logFile, 'utf8')) as { requests: Array<[string, number, number]>; collections: Array<[number, number, number]> };
rmSync(logFile, { force: true });
const seen = new Map(recorded.requests.map(([id, arrived, headers]) => [id, { arrived, headers }]));
const t0 = sent.reduce((min, s) => Math.min(min, s.at), Infinity);
// perf_hooks' NODE_PERFORMANCE_GC_* kinds.
const KINDS: Record<number, string> = { 1: 'minor', 4: 'major', 8: 'incremental', 16: 'weak callbacks' };

const first = percentiles(sent.map((s) => s.firstMs));
const fmt = (v: number): string => v.toFixed(2);
const lines = [
  `HomeFeed at ${rate} req/s for ${seconds} s, ${items} items; gateway flags: ${[...scenario.server.nodeFlags, cli.values['node-flags']].filter(Boolean).join(' ')}`,
  `first payload: p50 ${fmt(first.p50)} ms, p99 ${fmt(first.p99)} ms, p99.9 ${fmt(first.p999)} ms, max ${fmt(first.max)} ms (${sent.length} answers, ${bad} bad)`,
];

// Late first payloads, in send order, grouped into bursts (no more than 50 ms between them).
const slow = sent.filter((s) => s.firstMs >= slowMs).sort((a, b) => a.at - b.at);
const bursts: Sent[][] = [];
for (const s of slow) {
  const last = bursts.at(-1)?.at(-1);
  if (last && s.at - last.at <= 50) bursts.at(-1)!.push(s);
  else bursts.push([s]);
}
const median = (xs: number[]): number => (xs.length ? xs.sort((a, b) => a - b)[xs.length >> 1]! : NaN);
let queuedMost = 0;
let overlappingCollection = 0;
lines.push(`${slow.length} first payloads at or over ${slowMs} ms, in ${bursts.length} bursts:`);
for (const burst of bursts) {
  const from = burst[0]!.at;
  const to = Math.max(...burst.map((s) => s.at + s.firstMs));
  const waits: number[] = [];
  const serves: number[] = [];
  for (const s of burst) {
    const server = seen.get(s.id);
    if (!server) continue;
    const wait = server.arrived - s.at;
    waits.push(wait);
    serves.push(server.headers - server.arrived);
    if (wait > server.headers - server.arrived) queuedMost++;
  }
  const collections = recorded.collections.filter(([at, duration]) => at < to && at + duration > from);
  overlappingCollection += burst.filter((s) => collections.some(([at, duration]) => at < s.at + s.firstMs && at + duration > s.at)).length;
  lines.push(
    `  +${(from - t0).toFixed(0)} ms for ${(to - from).toFixed(0)} ms: ${burst.length} late (worst ${fmt(Math.max(...burst.map((s) => s.firstMs)))} ms); ` +
      `reached the handler after ${fmt(median(waits))} ms, served in ${fmt(median(serves))} ms (medians); ` +
      `collections: ${collections.map(([, duration, kind]) => `${KINDS[kind] ?? kind} ${duration.toFixed(1)} ms`).join(', ') || 'none'}`,
  );
}
lines.push(
  `of the late ones, ${queuedMost} waited longer before the handler than in it; ${overlappingCollection} overlapped a collection; ` +
    `collections over the run: ${Object.entries(recorded.collections.filter(([at]) => at >= t0).reduce<Record<string, number>>((n, [, , kind]) => ((n[KINDS[kind] ?? kind] = (n[KINDS[kind] ?? kind] ?? 0) + 1), n), {})).map(([kind, n]) => `${n} ${kind}`).join(', ')}`,
);
process.stdout.write(`${lines.join('\n')}\n`);
