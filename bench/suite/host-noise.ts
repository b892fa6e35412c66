import { spawnSync } from 'node:child_process';
import type { Pinning } from './pinning.ts';

/**
 * How much of a core the host takes away: a process on that core reads the clock in a tight
 * loop for `ms` and counts the gaps over 50 us (preemption by the hypervisor or other tasks).
 * On a shared VM this is the floor under every p99 measured there; the report prints it beside
 * the latencies so a missed millisecond bound can be told from a noisy host.
 */
export interface HostNoise {
  readonly core: string;
  /** Share of the probe's wall time lost in gaps over 50 us. */
  readonly stolenPercent: number;
  readonly maxGapMs: number;
}

const PROBE = `const ms=Number(process.argv[1]);const t0=performance.now();let last=t0,lost=0,max=0;
for(;;){const now=performance.now();const gap=now-last;if(gap>0.05){lost+=gap;if(gap>max)max=gap}last=now;if(now-t0>ms)break}
process.stdout.write(JSON.stringify({stolenPercent:100*lost/(performance.now()-t0),maxGapMs:max}))`;

export function probeHostNoise(pinning: Pinning, ms = 1000): HostNoise {
  const core = pinning.pinned ? pinning.serverPrefix.at(-1)! : 'any';
  const command = [...pinning.serverPrefix, process.execPath, '-e', PROBE, String(ms)];
  const run = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8' });
  const result = JSON.parse(run.stdout) as Omit<HostNoise, 'core'>;
  return { core, ...result };
}

export function describeHostNoise(noise: HostNoise): string {
  return `host noise on the server core (${noise.core}): ${noise.stolenPercent.toFixed(1)}% of a 1 s clock-reading loop lost in gaps over 50 us, longest ${noise.maxGapMs.toFixed(2)} ms`;
}
