import { afterIdleOutcome } from './after-idle-step.ts';
import { describeTargetPairs, targetPairsSummary, TARGET_PAIRS_TABLE_HEAD } from './target-pairs-report.ts';
import type { RunResult, ScenarioResult } from './results.ts';

const ms = (v: number): string => (Number.isNaN(v) ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const int = (v: number): string => (Number.isNaN(v) ? '-' : v.toFixed(0));
const sustainedRps = (v: number): string => (v === 0 ? 'none' : v.toFixed(0));

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, i) => (i < 2 ? '---' : '---:'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** Bad answers over all runs of the scenario, with those that were only unanswered within the drain time in brackets. */
function bad(r: ScenarioResult): string {
  const runs = [...r.sweep, r.atHalf];
  const total = r.closed.bad + runs.reduce((n, s) => n + s.bad, 0);
  const unanswered = runs.reduce((n, s) => n + s.unfinished, 0);
  return unanswered > 0 ? `${total} (${unanswered})` : String(total);
}

function rss(r: ScenarioResult): string {
  return r.inferencePeakRssMiB === undefined ? int(r.peakRssMiB) : `${int(r.peakRssMiB)} + ${int(r.inferencePeakRssMiB)}`;
}

function tags(r: ScenarioResult): string {
  const entries = Object.entries(r.atHalf.tags);
  const total = entries.reduce((n, [, c]) => n + c, 0);
  return entries
    .sort((a, b) => b[1] - a[1])
    .map(([tag, count]) => `${tag} ${count * 100 < total ? '<1' : ((100 * count) / total).toFixed(0)}%`)
    .join(', ');
}

/**
 * The server's CPU time per request in the closed loop, with its busy percent: unlike req/s it
 * is the server's own cost even when the load generator, not the server, was the limit.
 */
function cpuPerRequest(r: ScenarioResult): string {
  const busy = r.closedBusyPercent;
  if (busy === undefined || Number.isNaN(busy) || r.closed.rps === 0) return '-';
  return `${((busy * 10_000) / r.closed.rps).toFixed(busy * 10_000 >= 100 * r.closed.rps ? 0 : 1)} (${busy.toFixed(0)}%)`;
}

function overheadTable(scenarios: readonly ScenarioResult[]): string {
  return table(
    ['server', 'document', 'closed-loop req/s', 'server CPU us/req (busy)', 'max sustained req/s', 'at req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'bad', 'peak RSS MiB'],
    scenarios.map((r) => [
      r.label,
      r.document,
      int(r.closed.rps),
      cpuPerRequest(r),
      sustainedRps(r.maxSustainedRps),
      int(r.atHalf.offeredRps),
      ms(r.atHalf.last.p50),
      ms(r.atHalf.last.p99),
      ms(r.atHalf.last.p999),
      bad(r),
      rss(r),
    ]),
  );
}

function jobTable(scenarios: readonly ScenarioResult[]): string {
  return table(
    ['scenario', 'server', 'closed-loop req/s', 'server CPU us/req (busy)', 'max sustained req/s', 'at req/s', 'first p50', 'first p99', 'last p50', 'last p99', 'last p99.9', 'bad', 'refined by', 'peak RSS MiB'],
    scenarios.map((r) => [
      r.label,
      r.server,
      int(r.closed.rps),
      cpuPerRequest(r),
      sustainedRps(r.maxSustainedRps),
      int(r.atHalf.offeredRps),
      ms(r.atHalf.first.p50),
      ms(r.atHalf.first.p99),
      ms(r.atHalf.last.p50),
      ms(r.atHalf.last.p99),
      ms(r.atHalf.last.p999),
      bad(r),
      tags(r),
      rss(r),
    ]),
  );
}

/** Ours over the plain-Yoga baseline, same operation: throughput up is better, p99 down is better. */
function ratios(scenarios: readonly ScenarioResult[]): string {
  const pairs = [
    ['job/local/homefeed-uncached', 'job/baseline/homefeed', 'HomeFeed'],
    ['job/local/coarsefeed', 'job/baseline/coarsefeed', 'CoarseFeed'],
    ['job/local/recordevent', 'job/baseline/recordevent', 'RecordEvent'],
  ] as const;
  const byId = new Map(scenarios.map((r) => [r.id, r]));
  const rows = pairs.flatMap(([ours, base, name]) => {
    const a = byId.get(ours);
    const b = byId.get(base);
    if (!a || !b) return [];
    return [[name, 'gateway / baseline', a.maxSustainedRps && b.maxSustainedRps ? (a.maxSustainedRps / b.maxSustainedRps).toFixed(2) : '-', (a.closed.rps / b.closed.rps).toFixed(2), (a.atHalf.last.p99 / b.atHalf.last.p99).toFixed(2)]];
  });
  return rows.length === 0 ? '' : table(['operation', 'ratio', 'max sustained', 'closed-loop req/s', 'last p99 at half rate'], rows);
}

function targetLines(result: RunResult): string[] {
  const { firstP99Ms, lastP99Ms } = result.targets;
  return result.scenarios
    .filter((r) => r.targeted)
    .map((r) => {
      const first = r.atHalf.first.p99;
      const last = r.atHalf.last.p99;
      const verdict = (value: number, bound: number) => `${ms(value)} ms ${value <= bound ? 'met' : 'MISSED'}`;
      return `- ${r.label} at ${int(r.atHalf.offeredRps)} req/s: first-payload p99 ${verdict(first, firstP99Ms)} (≤ ${firstP99Ms}), final-payload p99 ${verdict(last, lastP99Ms)} (≤ ${lastP99Ms})`;
    });
}

/** Issue 7's targets side by side: the alternating pairs, the after-idle burst, and every verdict. */
function issue7Section(issue7: NonNullable<RunResult['issue7']>): string[] {
  const { pairs, afterIdle } = issue7;
  return [
    "## Issue 7's targets, side by side",
    '',
    `Each target's pair of servers started together at the end of the run, both pinned to the server core, the idle one paused while the other is loaded (bench/suite/target-pairs.ts, as \`npm run bench:targets\`). ${describeTargetPairs(pairs)}`,
    '',
    TARGET_PAIRS_TABLE_HEAD,
    ...pairs.rows,
    '',
    `After idle (bench/after-idle.ts): ${afterIdle.idleS} s idle, then ${afterIdle.load} for ${afterIdle.burstS} s, CoarseFeed persisted for new users, gateways with no flags and with npm start's side by side.`,
    '',
    afterIdle.markdown,
    '',
    targetPairsSummary([...pairs.outcomes, afterIdleOutcome(afterIdle)]),
  ];
}

/** The whole report in Markdown: what stdout prints and `bench/results/<timestamp>.md` holds. */
export function markdownReport(result: RunResult, svgFile: string | null): string {
  const overhead = result.scenarios.filter((r) => r.sections.includes('overhead'));
  const job = result.scenarios.filter((r) => r.sections.includes('job'));
  const ratioTable = ratios(result.scenarios);
  const legend = 'bad: wrong answers (status, errors, item count) plus requests unanswered within the drain time, those in brackets; over every run of the scenario.';
  const lines = [
    `# Benchmarks, ${result.date} (${result.mode} mode)`,
    '',
    `Node ${result.node}, ${result.cpu}; ${result.pinning}. Catalog: ${result.catalog.items} synthetic items, ${result.catalog.users} users. ` +
      `Warm-up ${result.warmupS} s per server; closed loop ${result.closedLoopS} s at ${result.concurrency} connections (autocannon); ` +
      `rate sweep ${result.sweepStepS} s per step (longer, up to twice, to hold 100 requests); latency ${result.measureS} s (up to twice, to hold 1000) open loop at half the maximum sustained rate, after an unrecorded run of up to 3 s at that rate, ` +
      `(when none was sustained: half the lowest step), timed from each request's scheduled send by the ${result.generator === 'native' ? 'native generator (bench/native/open-loop.c; every status checked, about 2,000 answers a run checked whole)' : 'Node generator'}. ` +
      `Sustained: no bad answer, achieved ≥ ${result.rule.minAchievedShare * 100}% of offered, last-payload p99 ≤ ${result.rule.maxP99Ms} ms. ` +
      `Run took ${(result.durationS / 60).toFixed(1)} min.`,
    '',
  ];
  if (overhead.length > 0) {
    lines.push('## Framework overhead (20-item feed)', '', overheadTable(overhead), '');
    lines.push('Peers serve the same 20 items from one in-memory array (bench/suite/trivial-feed.ts); our gateway runs the persisted CoarseFeed document over its real artifacts (catalog above), uncached with rotating users, or cached as one viewer.', '');
  }
  if (job.length > 0) {
    lines.push('## Personalization job', '', jobTable(job), '');
    lines.push('first = time to the first payload (coarse ranking), last = to the final payload (refined, @defer over multipart/mixed); both equal for single-payload answers. Milliseconds. Peak RSS: gateway + inference server for remote rows.', '');
  }
  if (result.scenarios.length > 0) lines.push(legend, '');
  if (ratioTable) lines.push('### Against the plain-Yoga baseline', '', ratioTable, '');
  const targets = targetLines(result);
  if (targets.length > 0) lines.push(`### Targets (first-payload p99 ≤ ${result.targets.firstP99Ms} ms, final-payload p99 ≤ ${result.targets.lastP99Ms} ms, at half the maximum sustained rate)`, '', ...targets, '');
  if (result.issue7) lines.push(...issue7Section(result.issue7), '');
  if (result.issue7Error) lines.push("## Issue 7's targets, side by side", '', `Not measured: ${result.issue7Error}`, '');
  if (svgFile) lines.push(`![latency percentiles](${svgFile})`, '');
  return lines.join('\n');
}
