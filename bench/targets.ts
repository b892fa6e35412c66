/**
 * The hot-path targets (issue 7), each measured as a ratio against its baseline side by side:
 * every server starts at once (pinned to one core, idle until loaded), and closed-loop runs
 * alternate between the two sides of each pair for several rounds, so drift on a shared
 * machine hits both sides alike. The ratio quoted is the median of the per-round ratios.
 * See README "Benchmarks".
 */
import { cpus } from 'node:os';
import { parseCli } from '../src/cli/parse-cli.ts';
import { benchSetup } from './suite/bench-setup.ts';
import { describeTargetPairs, targetPairsSummary, TARGET_PAIRS_TABLE_HEAD } from './suite/target-pairs-report.ts';
import { latencyGenerators, measureTargetPairs, TARGET_PAIRS } from './suite/target-pairs.ts';

const USAGE = `usage: npm run bench:targets -- [--rounds 7] [--seconds 3] [--items 100000] [--only <pattern>]

Starts the servers of each pair at once and alternates closed-loop runs between them:
  cache-hit      HomeFeed cache hit vs node:http sending the same bytes; then p99 at 50
                 connections at half the hit's throughput (target >= 0.5x, p99 <= 2 ms)
  trivial        our gateway on the trivial feed resolvers vs Mercurius + graphql-jit (>= 1.0x)
  homefeed       HomeFeed uncached vs the same pipeline behind plain Yoga (>= 1.5x); then the
                 first-payload p99 open loop at half HomeFeed's throughput (<= 5 ms)
`;

const cli = parseCli(
  process.argv.slice(2),
  {
    rounds: { type: 'string', default: '7' },
    seconds: { type: 'string', default: '3' },
    items: { type: 'string', default: '100000' },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  USAGE,
);
if (cli.exitCode !== undefined) process.exit(cli.exitCode);
const rounds = Math.max(1, Number(cli.values.rounds));
const seconds = Math.max(1, Number(cli.values.seconds));
const items = Math.max(1000, Number(cli.values.items));
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const only = cli.values.only ? new RegExp(cli.values.only, 'i') : null;
const pairs = TARGET_PAIRS.filter((p) => !only || only.test(p.id));
const setup = await benchSetup(items, log);
const { pinning } = setup;

const generators = latencyGenerators(log);

const startedAt = performance.now();
const report = await measureTargetPairs({ setup, pairs, rounds, seconds, generators, log });

process.stdout.write(
  `\n# Hot-path targets, ${new Date().toISOString()}\n\n` +
    `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores); ${pinning.note}. Catalog ${items} items. ` +
    `${describeTargetPairs(report)} ` +
    `Took ${((performance.now() - startedAt) / 60_000).toFixed(1)} min.\n\n` +
    `${TARGET_PAIRS_TABLE_HEAD}\n${report.rows.join('\n')}\n\n${targetPairsSummary(report.outcomes)}\n`,
);
