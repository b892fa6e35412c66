import { nativeOpenLoop, nativeOpenLoopBinary } from './native-open-loop.ts';
import type { OpenLoopResult } from './open-loop.ts';
import { spreadOpenLoop } from './spread-open-loop.ts';

/**
 * What times an open loop: the native generator (bench/native/open-loop.c, one thread per load
 * core), whose own pauses are microseconds, or the Node one (one process per load core), whose
 * pauses are milliseconds and showed up in the tails it measured.
 */
export type LoadGenerator = 'native' | 'node';

/** The native generator when it builds (it is then built), else why not. */
export function nativeGeneratorMissing(): string | null {
  const built = nativeOpenLoopBinary();
  return built.path === null ? built.why : null;
}

/**
 * One open loop of `scenario` at `rate`, timed by `generator`, its load spread over `cores`:
 * the arguments of `spreadOpenLoop` (target, scenario, catalog, rate, seconds, drainMs,
 * maxSockets, cores), which runs the Node generator.
 */
export function openLoopBy(generator: LoadGenerator, ...loop: Parameters<typeof spreadOpenLoop>): Promise<OpenLoopResult> {
  if (generator === 'node') return spreadOpenLoop(...loop);
  const [target, scenario, , rate, seconds, drainMs, maxSockets, cores] = loop;
  return nativeOpenLoop(target, scenario.operation, rate, seconds, drainMs, maxSockets, { cores });
}
