/**
 * What the target pairs (target-pairs.ts) report, and its Markdown: apart from the measuring,
 * so that the report's formatting does not load the load generators.
 */

/** One verdict: a ratio or a latency bound, met or not, with the figure it rests on. */
export interface TargetOutcome {
  readonly pair: string;
  readonly target: string;
  readonly figure: string;
  readonly met: boolean;
}

export interface TargetPairsReport {
  readonly rounds: number;
  readonly seconds: number;
  /** Markdown table rows (see TARGET_PAIRS_TABLE_HEAD). */
  readonly rows: readonly string[];
  readonly outcomes: readonly TargetOutcome[];
  /** A 1 s clock-reading probe on the server core before and after the pairs (bench/suite/host-noise.ts); absent in older results. */
  readonly hostNoise?: { readonly before: string; readonly after: string };
}

export const TARGET_PAIRS_TABLE_HEAD =
  '| pair | subject | baseline | subject req/s | baseline req/s | ratio | CPU per request: subject vs baseline, ratio | target | bad |\n| --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: |';

/** What the table's columns mean, for the paragraph above it. */
export function describeTargetPairs(report: Pick<TargetPairsReport, 'rounds' | 'seconds' | 'hostNoise'>): string {
  const noise = report.hostNoise ? ` Before the pairs, ${report.hostNoise.before}; after them, ${report.hostNoise.after}.` : '';
  return (
    `${report.rounds} round${report.rounds === 1 ? '' : 's'} of ${report.seconds} s closed loops per side, alternating; ratio = median of per-round ratios (range in brackets); ` +
    `busy = the server's CPU use during its runs (median, percent of its one core: near 100 means the server, not the load, was the limit); ` +
    `CPU per request = busy time / requests, and its ratio (baseline / subject, per round) is what the throughput ratio would be were both saturated; ` +
    `the open-loop rows run at half the subject's closed-loop rate, each after an unrecorded 3 s run at that rate (the steady state, not the way down from the saturated rounds), and there that column is the server's CPU over the loop (requests that arrive one at a time cost more each than a closed loop's).` +
    noise
  );
}

/** One line per verdict, and whether all were met: the end of the section. */
export function targetPairsSummary(outcomes: readonly TargetOutcome[]): string {
  const missed = outcomes.filter((o) => !o.met).length;
  const lines = outcomes.map((o) => `- ${o.pair}: ${o.target}: ${o.figure}, ${o.met ? 'met' : 'MISSED'}`);
  return [...lines, '', missed === 0 ? `All ${outcomes.length} met.` : `${missed} of ${outcomes.length} missed.`].join('\n');
}

