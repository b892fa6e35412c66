import { spawnSync } from 'node:child_process';

/**
 * Servers on core 0, the load generator on core 1, so neither steals the other's CPU time.
 * Without taskset (or with one core) everything runs unpinned and the report says so.
 */
export interface Pinning {
  readonly pinned: boolean;
  /** Prepended to a server's command line. */
  readonly serverPrefix: readonly string[];
  readonly note: string;
}

const SERVER_CORE = 0;
const LOAD_CORE = 1;

export function pinLoadGenerator(): Pinning {
  const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
  if (!hasTaskset) return { pinned: false, serverPrefix: [], note: 'taskset not found: servers and load generator share all cores' };
  if (spawnSync('taskset', ['-pc', String(LOAD_CORE), String(process.pid)]).status !== 0) {
    return { pinned: false, serverPrefix: [], note: `could not pin to core ${LOAD_CORE}: servers and load generator share all cores` };
  }
  return { pinned: true, serverPrefix: ['taskset', '-c', String(SERVER_CORE)], note: `servers on core ${SERVER_CORE}, load generator on core ${LOAD_CORE} (taskset)` };
}
