import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * One full, compacting collection at the end of start, before the first request.
 *
 * Loading the artifacts parses tens of megabytes of JSON; what that leaves behind sits in the
 * old generation, and under steady load nothing promotes enough to trigger a major collection
 * that would free it: the heap stayed at ~220 MB with ~50 MB live (100k items). Every
 * scavenge then walks those pages, and the first major collection (under load, on whatever
 * core the gateway has) marks and compacts all of it. Collecting once here, while nothing is
 * waiting, sets the old generation's limit from what is really live.
 *
 * `gc` is reached without starting Node with --expose-gc: the flag is set now and read by a
 * fresh context, which gets its own `gc` function. The main context's globals are untouched.
 */
export function settleHeap(): { readonly beforeMiB: number; readonly afterMiB: number; readonly ms: number } {
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  // Contexts made later (vm, workers' own) get no `gc` of their own.
  setFlagsFromString('--no-expose-gc');
  gc?.();
  const ms = performance.now() - started;
  return { beforeMiB: before / 2 ** 20, afterMiB: process.memoryUsage().heapUsed / 2 ** 20, ms };
}
