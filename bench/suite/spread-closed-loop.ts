import { closedLoop, type ClosedLoopResult } from './closed-loop.ts';
import type { LoadChildArgs } from './load-child.ts';
import type { Catalog, Scenario } from './plan.ts';
import { runPinnedChildren, shares, START_MARGIN_MS } from './pinned-children.ts';
import { busyPercentBetween } from './process-cpu.ts';

export interface SpreadClosedLoopResult extends ClosedLoopResult {
  /** The server's CPU use in the middle of the run (percent of one core), NaN without a pid. */
  readonly serverBusyPercent: number;
}

/** The busy share is read over the run less this much at each end (connection setup, drain). */
const BUSY_EDGE_MS = 300;

/**
 * A closed loop whose connections are spread over one process per core in `cores` (each
 * pinned with taskset, all starting at the same instant): one autocannon process checking every
 * body tops out near the rates a fast server reaches, and then the ratio measures the
 * generator. With one core (or none) it runs here, as `closedLoop`.
 */
export async function spreadClosedLoop(
  url: string,
  scenario: Scenario,
  catalog: Catalog,
  connections: number,
  seconds: number,
  cores: readonly number[],
  serverPid?: number,
): Promise<SpreadClosedLoopResult> {
  const spread = cores.length > 1;
  const startAt = Date.now() + (spread ? START_MARGIN_MS : 0);
  const busy = serverPid === undefined ? Promise.resolve(NaN) : busyPercentBetween(serverPid, startAt + BUSY_EDGE_MS, startAt + seconds * 1000 - BUSY_EDGE_MS);
  if (!spread) {
    const [result, serverBusyPercent] = await Promise.all([closedLoop(url, scenario.operation, connections, seconds), busy]);
    return { ...result, serverBusyPercent };
  }
  const split = shares(connections, cores.length).filter((n) => n > 0);
  const results = await runPinnedChildren<ClosedLoopResult>(
    split.map((share, i): LoadChildArgs => ({ kind: 'closed', url, scenario: scenario.id, catalog, connections: share, seconds, firstIndex: i * 1_000_000, startAt })),
    cores,
  );
  return {
    connections,
    serverBusyPercent: await busy,
    rps: results.reduce((sum, r) => sum + r.rps, 0),
    // Latency per process is autocannon's; the slowest process's figures are the ones kept.
    p50Ms: Math.max(...results.map((r) => r.p50Ms)),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    bad: results.reduce((sum, r) => sum + r.bad, 0),
  };
}
