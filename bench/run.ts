/**
 * The benchmark suite (issue 6): framework overhead against GraphQL peers, and the
 * personalization job on a synthetic catalog, in one run. See README "Benchmarks".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseCli } from '../src/cli/parse-cli.ts';
import { ensureArtifacts, modelsDirFor } from './suite/artifacts-cache.ts';
import { latencySvg } from './suite/latency-svg.ts';
import { measureServer } from './suite/measure-server.ts';
import { nativeGeneratorMissing, type LoadGenerator } from './suite/load-generator.ts';
import { FULL, QUICK, type Mode } from './suite/modes.ts';
import { runAfterIdle } from './suite/after-idle-step.ts';
import { catalogFor, setupFor } from './suite/bench-setup.ts';
import { pinLoadGenerator } from './suite/pinning.ts';
import { plan, type Scenario, type ServerSpec } from './suite/plan.ts';
import { DEFAULT_RULE } from './suite/rate-sweep.ts';
import { markdownReport } from './suite/report-markdown.ts';
import { TARGETS, type RunResult, type ScenarioResult } from './suite/results.ts';
import { latencyGenerators, measureTargetPairs, TARGET_PAIRS } from './suite/target-pairs.ts';

const USAGE = `usage: npm run bench -- [--quick] [--only <pattern>] [--concurrency 16] [--p99-bound 50] [--items n] [--generator native|node] [--skip-targets]

Starts each server in its own process on loopback and measures it: closed-loop throughput,
an open-loop rate sweep for the maximum sustained rate, and latency at half of that rate.
Then (without --only) issue 7's targets side by side: each target's pair of servers started
together and measured in alternating rounds (as npm run bench:targets), and the first seconds
of load after two minutes idle (as npm run bench:after-idle). Writes
bench/results/<timestamp>.json, .md and .svg.

  --quick            a few seconds per scenario and a 20k-item catalog (development)
  --only <pattern>   run the scenarios whose id matches this regular expression
                     (ids: overhead/yoga, job/local/homefeed-uncached, job/remote/..., job/baseline/...)
  --concurrency <n>  connections of the closed loop (default 16)
  --p99-bound <ms>   the sweep's p99 bound for a sustained rate (default ${DEFAULT_RULE.maxP99Ms})
  --items <n>        catalog size (default 100000, 20000 with --quick)
  --generator <g>    what times the open loops: native (bench/native/open-loop.c, built with cc;
                     the default when it builds) or node
  --skip-targets     leave out the target pairs and the after-idle burst (about 6 minutes)
  -h, --help         this text
`;

const cli = parseCli(
  process.argv.slice(2),
  {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    'p99-bound': { type: 'string', default: String(DEFAULT_RULE.maxP99Ms) },
    items: { type: 'string' },
    generator: { type: 'string' },
    'skip-targets': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  USAGE,
);
if (cli.exitCode !== undefined) process.exit(cli.exitCode);
const args = cli.values;

function positive(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`--${flag} must be a positive number, got "${raw}"\n\n${USAGE}`);
    process.exit(2);
  }
  return value;
}

const baseMode: Mode = args.quick ? QUICK : FULL;
const mode: Mode = args.items ? { ...baseMode, items: Math.round(positive('items', args.items)) } : baseMode;
const concurrency = Math.round(positive('concurrency', args.concurrency));
const rule = { ...DEFAULT_RULE, maxP99Ms: positive('p99-bound', args['p99-bound']) };
const only = args.only ? new RegExp(args.only, 'i') : null;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const nativeMissing = nativeGeneratorMissing();
if (args.generator !== undefined && args.generator !== 'native' && args.generator !== 'node') {
  process.stderr.write(`--generator must be native or node, got "${args.generator}"\n\n${USAGE}`);
  process.exit(2);
}
if (args.generator === 'native' && nativeMissing !== null) {
  process.stderr.write(`--generator native: ${nativeMissing}\n`);
  process.exit(2);
}
const generator: LoadGenerator = (args.generator as LoadGenerator | undefined) ?? (nativeMissing === null ? 'native' : 'node');
const startedAt = performance.now();
const pinning = pinLoadGenerator();
log(pinning.note);
log(`open loops timed by the ${generator} generator${nativeMissing === null ? '' : ` (native unavailable: ${nativeMissing})`}`);
const catalog = catalogFor(mode.items);
const scenarios = plan(catalog).filter((s) => !only || only.test(s.id));
if (scenarios.length === 0) {
  process.stderr.write(`no scenario matches --only ${args.only}\n`);
  process.exit(2);
}
if (scenarios.some((s) => s.server.usesCatalog)) await ensureArtifacts(mode.items, catalog.users, log);

// Servers in plan order, each with its scenarios.
const byServer = new Map<ServerSpec, Scenario[]>();
for (const scenario of scenarios) byServer.set(scenario.server, [...(byServer.get(scenario.server) ?? []), scenario]);
const measured: ScenarioResult[] = [];
for (const [server, serverScenarios] of byServer) {
  measured.push(...(await measureServer(server, serverScenarios, { mode, pinning, catalog, concurrency, rule, models: modelsDirFor(mode.items), generator, log })));
}

// Issue 7's targets side by side: sequential rows minutes apart move with the host's speed, so
// each target's pair is measured again here, alternating.
// A failure there is reported, and does not lose the rows measured above.
let targets: RunResult['issue7'];
let targetsError: string | undefined;
if (!only && !args['skip-targets']) {
  try {
    log('issue 7 targets: alternating pairs...');
    const pairs = await measureTargetPairs({ setup: setupFor(pinning, catalog), pairs: TARGET_PAIRS, rounds: mode.pairRounds, seconds: mode.pairSeconds, generators: latencyGenerators(log), log });
    log(`issue 7 targets: after ${mode.afterIdle.idleS} s idle...`);
    const afterIdle = await runAfterIdle({ artifactsDir: catalog.dir, ...mode.afterIdle, log });
    targets = { pairs, afterIdle };
  } catch (error) {
    targetsError = error instanceof Error ? error.message : String(error);
    log(`issue 7 targets failed: ${targetsError}`);
  }
}

const date = new Date().toISOString();
const result: RunResult = {
  date,
  mode: mode.name,
  node: process.version,
  cpu: `${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores)`,
  pinning: pinning.note,
  generator,
  catalog: { items: catalog.items, users: catalog.users },
  concurrency,
  warmupS: mode.warmupS,
  closedLoopS: mode.closedLoopS,
  sweepStepS: mode.sweepStepS,
  measureS: mode.measureS,
  rule,
  targets: TARGETS,
  scenarios: measured,
  ...(targets ? { issue7: targets } : {}),
  ...(targetsError ? { issue7Error: targetsError } : {}),
  durationS: (performance.now() - startedAt) / 1000,
};
const stem = join('bench', 'results', date.replace(/[:.]/g, '-'));
mkdirSync(join('bench', 'results'), { recursive: true });
const svgName = `${stem.split('/').pop()}.svg`;
writeFileSync(`${stem}.json`, `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(`${stem}.svg`, latencySvg(result));
const report = markdownReport(result, svgName);
writeFileSync(`${stem}.md`, report);
process.stdout.write(`\n${report}\nwrote ${stem}.json, .md and .svg\n`);
