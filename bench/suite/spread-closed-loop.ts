import { spawn } from 'node:child_process';
import { closedLoop, type ClosedLoopResult } from './closed-loop.ts';
import type { Catalog, Scenario } from './plan.ts';
import { busyPercentBetween } from './process-cpu.ts';

export interface SpreadClosedLoopResult extends ClosedLoopResult {
  /** The server's CPU use in the middle of the run (percent of one core), NaN without a pid. */
  readonly serverBusyPercent: number;
}

/** The busy share is read over the run less this much at each end (connection setup, drain). */
const BUSY_EDGE_MS = 300;

/** How long the processes get to start (tsx, the plan) before they all send at once. */
const START_MARGIN_MS = 3000;

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
  const shares = cores.map((_, i) => Math.floor(connections / cores.length) + (i < connections % cores.length ? 1 : 0)).filter((n) => n > 0);
  const results = await Promise.all(
    shares.map((share, i) => {
      const args = { url, scenario: scenario.id, catalog, connections: share, seconds, firstIndex: i * 1_000_000, startAt };
      const child = spawn('taskset', ['-c', String(cores[i]), process.execPath, '--import', 'tsx', new URL('./closed-loop-child.ts', import.meta.url).pathname, JSON.stringify(args)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()));
      return new Promise<ClosedLoopResult>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ClosedLoopResult) : reject(new Error(`closed-loop process on core ${cores[i]} exited with ${code}`))));
      });
    }),
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
