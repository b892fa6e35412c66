/**
 * HomeFeed's CPU per request in two checkouts of this repository, side by side: the way to tell
 * whether a change made the request cheaper on a machine too noisy for before/after runs.
 *
 * Both gateways run the production flags (`npm start`'s) over this checkout's catalog, pinned to
 * the server core; this process loads them from the load core with closed loops that alternate
 * between the two (the first side changes each round), each measured with the other paused
 * (SIGSTOP: an idle gateway still collects garbage on the shared core). A round's figure is the
 * server's busy time from /proc over the requests it answered; the ratio is base / this, so
 * above 1 means this checkout is cheaper.
 */
import { resolve } from 'node:path';
import { parseCli } from '../src/cli/parse-cli.ts';
import { artifactsDirFor, ensureArtifacts } from './suite/artifacts-cache.ts';
import { startChildServer, type ChildServer } from './suite/child-server.ts';
import { closedLoop } from './suite/closed-loop.ts';
import { gatewayNodeFlags } from './suite/gateway-node-flags.ts';
import { targetOf } from './suite/http-client.ts';
import { nativeGeneratorMissing } from './suite/load-generator.ts';
import { nativeOpenLoop } from './suite/native-open-loop.ts';
import { openLoop } from './suite/open-loop.ts';
import { homeFeed, recordEvent, type Operation } from './suite/operations.ts';
import { pinLoadGenerator } from './suite/pinning.ts';
import { median } from './suite/percentiles.ts';
import { processCpuSeconds } from './suite/process-cpu.ts';

const USAGE = `usage: npm run bench:ab -- --base <checkout> [--rounds 10] [--seconds 3] [--connections 4] [--items 100000]
                        [--open-rate <req/s> [--open-seconds 8] [--stall-ms 0 --stall-every-ms 500]]

HomeFeed CPU per request: the gateway of another checkout (--base; it needs its node_modules,
e.g. a worktree: git worktree add /tmp/base <rev> && ln -s "$PWD/node_modules" /tmp/base/)
against this one's, alternating closed loops; prints each round and the median ratio base / this.
With --open-rate, each round also runs an open loop at that rate on each side (the other paused;
the native generator when a C compiler is there) and compares their first-payload p99.
--stall-ms stops the measured gateway (SIGSTOP) that long every --stall-every-ms during its open
loop, the same for both sides: a model of the host stalls seen on shared machines, and of how
each side recovers from the backlog they leave.
`;

const cli = parseCli(
  process.argv.slice(2),
  {
    base: { type: 'string' },
    rounds: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '4' },
    items: { type: 'string', default: '100000' },
    'open-rate': { type: 'string', default: '0' },
    'open-seconds': { type: 'string', default: '8' },
    'stall-ms': { type: 'string', default: '0' },
    'stall-every-ms': { type: 'string', default: '500' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  USAGE,
);
if (cli.exitCode !== undefined) process.exit(cli.exitCode);
if (!cli.values.base) {
  process.stderr.write(`--base is required\n\n${USAGE}`);
  process.exit(2);
}
const rounds = Math.max(1, Number(cli.values.rounds));
const seconds = Math.max(1, Number(cli.values.seconds));
const connections = Math.max(1, Number(cli.values.connections));
const items = Math.max(1000, Number(cli.values.items));
const openRate = Math.max(0, Number(cli.values['open-rate']));
const openSeconds = Math.max(1, Number(cli.values['open-seconds']));
const stallMs = Math.max(0, Number(cli.values['stall-ms']));
const stallEveryMs = Math.max(stallMs + 1, Number(cli.values['stall-every-ms']));
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const pinning = pinLoadGenerator();
log(pinning.note);
const catalog = { dir: resolve(artifactsDirFor(items)), items, users: 10_000 };
await ensureArtifacts(items, catalog.users, log);

const sides = [
  { name: 'base', dir: resolve(cli.values.base) },
  { name: 'this', dir: resolve('.') },
] as const;

async function start(dir: string): Promise<ChildServer> {
  return startChildServer({
    name: dir,
    command: [...pinning.serverPrefix, process.execPath, ...gatewayNodeFlags(), '--import', 'tsx', `${dir}/src/main.ts`],
    env: { NODE_ENV: 'production', ARTIFACTS_DIR: catalog.dir, PORT: '0', HOST: '127.0.0.1', IDENTITY: 'headers', RESPONSE_CACHE: 'false' },
    ready: /listening on (http:\/\/\S+?)\/graphql/,
  });
}

/** First- and last-payload p99 of an open loop at `openRate`: the native generator when it builds, else the Node one. */
const nativeMissing = nativeGeneratorMissing();
async function openLoopTail(url: string, pid: number, operation: Operation, firstIndex: number): Promise<{ first: number; last: number; degraded: number }> {
  const target = targetOf(url);
  const stalls = stallMs > 0 ? setInterval(() => stall(pid), stallEveryMs) : undefined;
  try {
    return await openLoopTailOf(target, operation, firstIndex);
  } finally {
    clearInterval(stalls);
  }
}

/** Stops the process for stallMs (a busy wait here: a timer on the load core could fire late). */
function stall(pid: number): void {
  process.kill(pid, 'SIGSTOP');
  const until = performance.now() + stallMs;
  while (performance.now() < until);
  process.kill(pid, 'SIGCONT');
}

async function openLoopTailOf(target: ReturnType<typeof targetOf>, operation: Operation, firstIndex: number): Promise<{ first: number; last: number; degraded: number }> {
  const shifted: Operation = { ...operation, request: (i) => operation.request(firstIndex + i) };
  const run =
    nativeMissing === null
      ? await nativeOpenLoop(target, shifted, openRate, openSeconds, 2000, 512, { cores: pinning.loadCores.slice(0, 1) })
      : await openLoop(target, shifted, openRate, openSeconds, 2000);
  if (run.bad > 0) log(`  ${run.bad} bad answers in the open loop (${run.firstBad ?? ''})`);
  const degraded = Object.entries(run.tags).reduce((n, [tag, count]) => n + (tag.startsWith('degraded') ? count : 0), 0);
  return { first: run.first.p99, last: run.last.p99, degraded };
}

const servers: ChildServer[] = [];
try {
  for (const side of sides) servers.push(await start(side.dir));
  const urls = servers.map((s) => `${s.address.replace('//localhost', '//127.0.0.1')}/graphql`);
  const feed = homeFeed({ kind: 'rotate', users: catalog.users });
  // Every viewer gets a session first (as in npm run bench), then both sides warm up.
  for (const url of urls) await closedLoop(url, recordEvent(catalog.users, catalog.items), 4, 3);
  for (const url of urls) await closedLoop(url, feed, connections, 4);

  const ratios: number[] = [];
  const tails: Array<{ first: number; last: number; degraded: number }[]> = [];
  let firstIndex = 0;
  for (let round = 0; round < rounds; round++) {
    const micros: number[] = [];
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) {
      const other = servers[1 - i]!;
      process.kill(other.pid, 'SIGSTOP');
      try {
        const before = processCpuSeconds(servers[i]!.pid);
        const run = await closedLoop(urls[i]!, feed, connections, seconds, firstIndex);
        firstIndex += 100_000;
        const answered = run.rps * seconds;
        micros[i] = ((processCpuSeconds(servers[i]!.pid) - before) * 1e6) / Math.max(1, answered);
        if (run.bad > 0) log(`  ${sides[i]!.name}: ${run.bad} bad answers`);
      } finally {
        process.kill(other.pid, 'SIGCONT');
      }
    }
    ratios.push(micros[0]! / micros[1]!);
    log(`round ${round + 1}: base ${micros[0]!.toFixed(0)} us, this ${micros[1]!.toFixed(0)} us per request, base / this ${ratios.at(-1)!.toFixed(3)}`);
    if (openRate > 0) {
      const tail: { first: number; last: number; degraded: number }[] = [];
      for (const i of order) {
        const other = servers[1 - i]!;
        process.kill(other.pid, 'SIGSTOP');
        try {
          tail[i] = await openLoopTail(urls[i]!, servers[i]!.pid, feed, firstIndex);
          firstIndex += 100_000;
        } finally {
          process.kill(other.pid, 'SIGCONT');
        }
      }
      tails.push(tail);
      const [b, t] = tail as [(typeof tail)[0], (typeof tail)[0]];
      log(`  open loop at ${openRate} req/s: first p99 base ${b.first.toFixed(2)} ms, this ${t.first.toFixed(2)} ms; last p99 ${b.last.toFixed(2)} / ${t.last.toFixed(2)} ms; degraded (checked answers) ${b.degraded} / ${t.degraded}`);
    }
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  process.stdout.write(
    `\nHomeFeed CPU per request, ${sides[0].dir} (base) against ${sides[1].dir} (this), ${items} items, ` +
      `${rounds} rounds of ${seconds} s closed loops at ${connections} connections; ${pinning.note}.\n` +
      `median base / this ${median(ratios).toFixed(3)} (${sorted[0]!.toFixed(3)}-${sorted.at(-1)!.toFixed(3)}); above 1: this checkout is cheaper.\n`,
  );
  if (tails.length > 0) {
    const pick = (side: number, key: 'first' | 'last') => tails.map((t) => t[side]![key]);
    const tailRatios = tails.map((t) => t[0]!.first / t[1]!.first).sort((a, b) => a - b);
    process.stdout.write(
      `Open loops at ${openRate} req/s for ${openSeconds} s (${nativeMissing === null ? 'native' : 'Node'} generator${stallMs > 0 ? `, the gateway stopped ${stallMs} ms every ${stallEveryMs} ms` : ''}): first-payload p99 median base ${median(pick(0, 'first')).toFixed(2)} ms, ` +
        `this ${median(pick(1, 'first')).toFixed(2)} ms; per round base / this median ${median(tailRatios).toFixed(2)} (${tailRatios[0]!.toFixed(2)}-${tailRatios.at(-1)!.toFixed(2)}); ` +
        `last-payload p99 median base ${median(pick(0, 'last')).toFixed(2)} ms, this ${median(pick(1, 'last')).toFixed(2)} ms.\n`,
    );
  }
} finally {
  for (const server of servers) await server.stop();
}
