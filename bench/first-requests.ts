/**
 * The first requests after start, with and without the warm-up before listening, side by side.
 *
 *   npm run bench:first-requests -- [--starts 3] [--requests 20] [--rounds 30] [--items 100000]
 *
 * Starts the uncached HomeFeed gateway of `npm run bench` (production mode, pinned to the server
 * core) `starts` times per variant, alternating: WARM_UP_ROUNDS=0 and WARM_UP_ROUNDS=<rounds>.
 * After each start it sends `requests` HomeFeeds one after another (each a different user: all
 * misses) from a client that is already warm (it sent requests to another server first), and
 * times each to its final payload. Prints, per variant, the medians over starts of the first
 * request, of requests 2-5 and of the rest, and how long the start took.
 */
import { createServer } from 'node:http';
import { cpus } from 'node:os';
import { parseCli } from '../src/cli/parse-cli.ts';
import { benchSetup, graphqlUrlOf, serverCommand } from './suite/bench-setup.ts';
import { startChildServer } from './suite/child-server.ts';
import { keepAliveAgent, send, targetOf, verdict } from './suite/http-client.ts';
import { median } from './suite/percentiles.ts';

const USAGE = `usage: npm run bench:first-requests -- [--starts 3] [--requests 20] [--rounds 30] [--items 100000]`;
const cli = parseCli(
  process.argv.slice(2),
  {
    starts: { type: 'string', default: '3' },
    requests: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '30' },
    items: { type: 'string', default: '100000' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  USAGE,
);
if (cli.exitCode !== undefined) process.exit(cli.exitCode);
const starts = Math.max(1, Number(cli.values.starts));
const requests = Math.max(6, Number(cli.values.requests));
const items = Number(cli.values.items);
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const { pinning, scenario: scenarioOf } = await benchSetup(items, log);
const scenario = scenarioOf('job/local/homefeed-uncached');
const variants = [
  { name: 'no warm-up', rounds: '0' },
  { name: `warm-up, ${cli.values.rounds} rounds`, rounds: String(cli.values.rounds) },
];

await warmClient();

interface StartRun {
  readonly startMs: number;
  readonly lastMs: number[];
}
const runs = new Map<string, StartRun[]>(variants.map((v) => [v.name, []]));
for (let start = 0; start < starts; start++) {
  for (const variant of start % 2 === 0 ? variants : [...variants].reverse()) {
    const spawnedAt = performance.now();
    const server = await startChildServer({
      name: variant.name,
      command: serverCommand(pinning, scenario.server),
      env: { ...scenario.server.env, WARM_UP_ROUNDS: variant.rounds },
      ready: /listening on (http:\/\/\S+?)\/graphql/,
    });
    const startMs = performance.now() - spawnedAt;
    try {
      const target = targetOf(graphqlUrlOf(server));
      const agent = keepAliveAgent(1);
      const lastMs: number[] = [];
      // Users far from the warm-up's (1-8), each once: every request is a first for its viewer.
      for (let i = 0; i < requests; i++) {
        const answer = await send(target, agent, scenario.operation, 100 + start * requests + i, performance.now());
        const problem = verdict(scenario.operation, answer);
        if (problem) throw new Error(`${variant.name}: bad answer: ${problem}`);
        lastMs.push(answer.lastMs);
      }
      agent.destroy();
      runs.get(variant.name)!.push({ startMs, lastMs });
      log(`start ${start + 1}, ${variant.name}: started in ${startMs.toFixed(0)} ms; first ${lastMs[0]!.toFixed(1)} ms, then ${lastMs.slice(1, 5).map((ms) => ms.toFixed(1)).join(' ')} ms`);
    } finally {
      await server.stop();
    }
  }
}

const rows = variants.map((variant) => {
  const r = runs.get(variant.name)!;
  const medianOf = (pick: (run: StartRun) => number): string => median(r.map(pick)).toFixed(1);
  return `| ${variant.name} | ${medianOf((x) => x.startMs)} | ${medianOf((x) => x.lastMs[0]!)} | ${medianOf((x) => median(x.lastMs.slice(1, 5)))} | ${medianOf((x) => median(x.lastMs.slice(5)))} |`;
});
process.stdout.write(
  `\n# First requests after start, ${new Date().toISOString()}\n\n` +
    `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores); ${pinning.note}. Uncached HomeFeed gateway (production), catalog ${items} items; ` +
    `${starts} starts per variant, alternating; ${requests} HomeFeeds after each start, one after another, each a new user, timed to the final payload by a client already warm. Medians over starts.\n\n` +
    `| variant | start to listening ms | request 1 ms | requests 2-5 ms | requests 6-${requests} ms |\n| --- | ---: | ---: | ---: | ---: |\n${rows.join('\n')}\n`,
);

/** The client's own first requests are slow too: send some to a throwaway server first. */
async function warmClient(): Promise<void> {
  const server = createServer((_req, res) => res.end('{"data":{}}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const target = targetOf(`http://127.0.0.1:${port}/graphql`);
  const agent = keepAliveAgent(1);
  for (let i = 0; i < 200; i++) await send(target, agent, scenario.operation, i, performance.now()).catch(() => null);
  agent.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
