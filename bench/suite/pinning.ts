import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * Servers on core 0, the load generator on core 1 (and up to 3 more), so neither steals the
 * other's CPU time.
 * Without taskset (or with one core) everything runs unpinned and the report says so.
 */
export interface Pinning {
  readonly pinned: boolean;
  /** Prepended to a server's command line. */
  readonly serverPrefix: readonly string[];
  /**
   * Cores for spread load processes, one each (core 1 first, where this process runs its own
   * loops): up to 4 where the host has them, so the generator is never what saturates.
   */
  readonly loadCores: readonly number[];
  readonly note: string;
}

const MAX_LOAD_CORES = 4;

const SERVER_CORE = 0;
const LOAD_CORE = 1;

export function pinLoadGenerator(): Pinning {
  const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
  if (!hasTaskset) return { pinned: false, serverPrefix: [], loadCores: [], note: 'taskset not found: servers and load generator share all cores' };
  // Before this process pins itself: afterwards its affinity is one core.
  const cores = availableParallelism();
  if (spawnSync('taskset', ['-pc', String(LOAD_CORE), String(process.pid)]).status !== 0) {
    return { pinned: false, serverPrefix: [], loadCores: [], note: `could not pin to core ${LOAD_CORE}: servers and load generator share all cores` };
  }
  const loadCores = Array.from({ length: Math.max(1, Math.min(MAX_LOAD_CORES, cores - 1)) }, (_, i) => LOAD_CORE + i);
  const load = loadCores.length === 1 ? `core ${LOAD_CORE}` : `cores ${loadCores[0]}-${loadCores.at(-1)} (bench:targets spreads its loops, one process per core; other loops run on core ${LOAD_CORE})`;
  return { pinned: true, serverPrefix: ['taskset', '-c', String(SERVER_CORE)], loadCores, note: `servers on core ${SERVER_CORE}, load generator on ${load} (taskset)` };
}
