import { describe, expect, it } from 'vitest';
import { afterIdleOutcome, NPM_START_VARIANT, type AfterIdleBurst } from '../../bench/suite/after-idle-step.ts';
import { markdownReport } from '../../bench/suite/report-markdown.ts';
import { TARGETS, type RunResult } from '../../bench/suite/results.ts';
import { DEFAULT_RULE } from '../../bench/suite/rate-sweep.ts';
import { targetPairsSummary, type TargetOutcome } from '../../bench/suite/target-pairs-report.ts';

const burst = (variant: string, p99Ms: number, errors = 0): AfterIdleBurst => ({ variant, flags: '', requests: 2500, errors, p99Ms, maxMs: p99Ms * 2, worstSecondP99Ms: p99Ms * 1.5 });

describe('issue 7 verdicts (bench report)', () => {
  it('judges the after-idle burst of npm start flags only: p99 within 50 ms and no error', () => {
    const window = { idleS: 120, burstS: 10 };
    expect(afterIdleOutcome({ ...window, bursts: [burst('none', 80), burst(NPM_START_VARIANT, 12)] }).met).toBe(true);
    expect(afterIdleOutcome({ ...window, bursts: [burst('none', 5), burst(NPM_START_VARIANT, 50.5)] }).met).toBe(false);
    expect(afterIdleOutcome({ ...window, bursts: [burst(NPM_START_VARIANT, 3, 1)] }).met).toBe(false);
    const missing = afterIdleOutcome({ ...window, bursts: [burst('none', 3)] });
    expect(missing).toMatchObject({ met: false, figure: 'not measured' });
  });

  it('says how many verdicts missed, listing each', () => {
    const outcomes: TargetOutcome[] = [
      { pair: 'trivial', target: 'throughput >= 1x', figure: '1.20x', met: true },
      { pair: 'cache-hit', target: 'p99 <= 2 ms', figure: '2.05 ms', met: false },
    ];
    const summary = targetPairsSummary(outcomes);
    expect(summary).toContain('- cache-hit: p99 <= 2 ms: 2.05 ms, MISSED');
    expect(summary).toContain('- trivial: throughput >= 1x: 1.20x, met');
    expect(summary.trim().split('\n').at(-1)).toBe('1 of 2 missed.');
    expect(targetPairsSummary(outcomes.slice(0, 1)).trim().split('\n').at(-1)).toBe('All 1 met.');
  });

  it("adds the side-by-side section to the run's report only when it was measured", () => {
    const base: RunResult = {
      date: '2026-12-04T00:00:00.000Z',
      mode: 'quick',
      node: 'v20',
      cpu: 'cpu',
      pinning: 'pinned',
      catalog: { items: 1000, users: 10 },
      concurrency: 16,
      warmupS: 1,
      closedLoopS: 1,
      sweepStepS: 1,
      measureS: 1,
      rule: DEFAULT_RULE,
      targets: TARGETS,
      scenarios: [],
      durationS: 60,
    };
    expect(markdownReport(base, null)).not.toContain("Issue 7's targets");
    expect(markdownReport({ ...base, issue7Error: 'mercurius exited with 1' }, null)).toContain('Not measured: mercurius exited with 1');
    const report = markdownReport(
      {
        ...base,
        issue7: {
          pairs: { rounds: 3, seconds: 3, rows: ['| trivial | a | b | 1 | 1 | 1.20x | - | >= 1x met | 0 |'], outcomes: [{ pair: 'trivial', target: 'throughput >= 1x', figure: '1.20x', met: true }] },
          afterIdle: { idleS: 120, burstS: 10, load: 'open loop at 250 req/s', bursts: [burst(NPM_START_VARIANT, 60)], markdown: '| flags | ... |' },
        },
      },
      null,
    );
    expect(report).toContain("## Issue 7's targets, side by side");
    expect(report).toContain('| trivial | a | b |');
    expect(report).toContain('- after-idle: p99 <= 50 ms in the first 10 s after 120 s idle');
    expect(report).toContain('1 of 2 missed.');
  });
});
