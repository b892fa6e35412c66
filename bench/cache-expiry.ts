/**
 * Cache hits across expiries, with and without coalescing, side by side.
 *
 *   npm run bench:expiry -- [--rate 4000] [--seconds 10] [--ttl-ms 2000] [--rounds 3] [--items 100000]
 *
 * Two gateways serve one viewer's cached HomeFeed (multipart/mixed, the `npm run bench`
 * scenario) with a short HOME TTL, so a run crosses several expiries: "coalesced" with the
 * defaults (stale-while-revalidate and waiting on a running miss), "uncoalesced" with both off
 * (RESPONSE_CACHE_STALE_MS=0, RESPONSE_CACHE_MISS_WAIT_MS=0), where every request arriving
 * while the expired answer is being run again runs it too. Both pinned to the server core,
 * loaded in turn (the other paused) by the native open loop at `rate` over 50 connections,
 * alternating which goes first each round. Prints p50/p99/p99.9/max per run and the medians.
 */
import { cpus } from 'node:os';
import { parseCli } from '../src/cli/parse-cli.ts';
import { benchSetup, graphqlUrlOf, serverCommand } from './suite/bench-setup.ts';
import { startChildServer, type ChildServer } from './suite/child-server.ts';
import { targetOf } from './suite/http-client.ts';
import { nativeGeneratorMissing } from './suite/load-generator.ts';
import { nativeOpenLoop } from './suite/native-open-loop.ts';
import { median } from './suite/percentiles.ts';
import { processCpuSeconds } from './suite/process-cpu.ts';

const USAGE = `usage: npm run bench:expiry -- [--rate 4000] [--seconds 10] [--ttl-ms 2000] [--rounds 3] [--items 100000]`;
const cli = parseCli(
  process.argv.slice(2),
  {
    rate: { type: 'string', default: '4000' },
    seconds: { type: 'string', default: '10' },
    'ttl-ms': { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    items: { type: 'string', default: '100000' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  USAGE,
);
if (cli.exitCode !== undefined) process.exit(cli.exitCode);
const rate = Number(cli.values.rate);
const seconds = Number(cli.values.seconds);
const ttlMs = Number(cli.values['ttl-ms']);
const rounds = Math.max(1, Number(cli.values.rounds));
const items = Number(cli.values.items);
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const missing = nativeGeneratorMissing();
if (missing !== null) {
  log(`bench:expiry needs the native open loop: ${missing}`);
  process.exit(1);
}
const { pinning, scenario: scenarioOf } = await benchSetup(items, log);
const scenario = scenarioOf('job/local/homefeed-cached');

const SIDES = [
  { name: 'coalesced', env: {} },
  { name: 'uncoalesced', env: { RESPONSE_CACHE_STALE_MS: '0', RESPONSE_CACHE_MISS_WAIT_MS: '0' } },
] as const;

interface Run {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly bad: number;
  readonly cpuUs: number;
}

const servers: ChildServer[] = [];
const runs = new Map<string, Run[]>(SIDES.map((side) => [side.name, []]));
const startedAt = performance.now();
try {
  for (const side of SIDES) {
    servers.push(
      await startChildServer({
        name: side.name,
        command: serverCommand(pinning, scenario.server),
        env: { ...scenario.server.env, RESPONSE_CACHE_TTL_HOME_MS: String(ttlMs), ...side.env },
        ready: /listening on (http:\/\/\S+?)\/graphql/,
      }),
    );
  }
  const load = async (index: number, loadRate: number, loadSeconds: number): Promise<Run> => {
    const others = servers.filter((_, i) => i !== index);
    for (const other of others) process.kill(other.pid, 'SIGSTOP');
    try {
      const before = processCpuSeconds(servers[index]!.pid);
      const run = await nativeOpenLoop(targetOf(graphqlUrlOf(servers[index]!)), scenario.operation, loadRate, loadSeconds, 2000, 50, { cores: pinning.loadCores });
      const cpuUs = ((processCpuSeconds(servers[index]!.pid) - before) * 1e6) / Math.max(1, run.sent);
      return { ...run.last, bad: run.bad, cpuUs };
    } finally {
      for (const other of others) process.kill(other.pid, 'SIGCONT');
    }
  };
  // Warm-up at the measured rate: JIT, and the answer in the cache.
  for (let i = 0; i < servers.length; i++) await load(i, rate, 3);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const index of order) {
      const run = await load(index, rate, seconds);
      runs.get(SIDES[index]!.name)!.push(run);
      log(`round ${round + 1} ${SIDES[index]!.name}: p50 ${run.p50.toFixed(2)} p99 ${run.p99.toFixed(2)} p99.9 ${run.p999.toFixed(2)} max ${run.max.toFixed(1)} ms, ${run.cpuUs.toFixed(1)} us CPU per request, bad ${run.bad}`);
    }
  }
} finally {
  for (const server of servers) await server.stop();
}

const fmt = (values: readonly number[], digits: number): string => `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)})`;
const rows = SIDES.map((side) => {
  const r = runs.get(side.name)!;
  return `| ${side.name} | ${fmt(r.map((x) => x.p50), 3)} | ${fmt(r.map((x) => x.p99), 2)} | ${fmt(r.map((x) => x.p999), 2)} | ${fmt(r.map((x) => x.max), 1)} | ${fmt(r.map((x) => x.cpuUs), 1)} | ${r.reduce((n, x) => n + x.bad, 0)} |`;
});
const p99Ratio = median(runs.get('uncoalesced')!.map((x) => x.p99)) / median(runs.get('coalesced')!.map((x) => x.p99));
process.stdout.write(
  `\n# Cache hits across expiries, ${new Date().toISOString()}\n\n` +
    `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores); ${pinning.note}. HomeFeed cached for one viewer (multipart/mixed), catalog ${items} items; ` +
    `HOME TTL ${ttlMs} ms, so each ${seconds} s run crosses about ${Math.floor((seconds * 1000) / ttlMs)} expiries. Native open loop at ${rate} req/s over 50 connections, ${rounds} rounds alternating; medians (range). ` +
    `Took ${((performance.now() - startedAt) / 60_000).toFixed(1)} min.\n\n` +
    `| gateway | p50 ms | p99 ms | p99.9 ms | max ms | server CPU us/request | bad |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n${rows.join('\n')}\n\n` +
    `p99 uncoalesced / coalesced: ${p99Ratio.toFixed(1)}x\n`,
);
