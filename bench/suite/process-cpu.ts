import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds a process (all its threads) has used so far, from /proc; NaN where unreadable. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), counted from field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/**
 * How busy a process is between two instants (Date.now() values), in percent of one core: a
 * server pinned to one core at ~100% is saturated; well below, the load generator (or
 * something else) was the limit and a throughput ratio says little.
 */
export function busyPercentBetween(pid: number, fromMs: number, toMs: number): Promise<number> {
  return new Promise((resolve) => {
    setTimeout(() => {
      const cpu0 = processCpuSeconds(pid);
      const t0 = performance.now();
      setTimeout(() => resolve((100 * (processCpuSeconds(pid) - cpu0)) / ((performance.now() - t0) / 1000)), Math.max(0, toMs - fromMs));
    }, Math.max(0, fromMs - Date.now()));
  });
}
