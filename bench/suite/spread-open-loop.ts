import type { Target } from './http-client.ts';
import { openLoop, summarizeOpenLoops, type OpenLoopResult, type OpenLoopSamples } from './open-loop.ts';
import { runPinnedChildren, shares, START_MARGIN_MS } from './pinned-children.ts';
import type { LoadChildArgs } from './load-child.ts';
import type { Catalog, Scenario } from './plan.ts';

/** Below this rate one process keeps the schedule (send lag well under a millisecond). */
export const SPREAD_MIN_RPS = 2000;

/**
 * An open loop whose rate and connections are split over one process per core in `cores`
 * (pinned, all starting at the same instant), its samples merged before the percentiles: one
 * generator process cannot keep the schedule at the rates of cache hits. With one core (or
 * none), or below `SPREAD_MIN_RPS`, it runs here, as `openLoop`.
 */
export async function spreadOpenLoop(
  target: Target,
  scenario: Scenario,
  catalog: Catalog,
  rate: number,
  seconds: number,
  drainMs: number,
  maxSockets: number,
  cores: readonly number[],
): Promise<OpenLoopResult> {
  if (cores.length <= 1 || rate < SPREAD_MIN_RPS) return openLoop(target, scenario.operation, rate, seconds, drainMs, maxSockets);
  const sockets = shares(maxSockets, cores.length);
  const startAt = Date.now() + START_MARGIN_MS;
  const runs = await runPinnedChildren<OpenLoopSamples>(
    cores.map((_, i): LoadChildArgs => ({ kind: 'open', target, scenario: scenario.id, catalog, rate: rate / cores.length, seconds, drainMs, maxSockets: Math.max(1, sockets[i]!), firstIndex: i * 1_000_000, startAt })),
    cores,
  );
  return summarizeOpenLoops(runs);
}
