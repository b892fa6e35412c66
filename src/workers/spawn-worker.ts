import { Worker } from 'node:worker_threads';

const BOOT_URL = new URL('./boot.mjs', import.meta.url);

/**
 * Starts a worker thread running `entry` (a module URL, .ts or .js) with `data` as its
 * `workerData.data`. Works the same under tsx, vitest and plain Node.
 */
export function spawnWorker(entry: URL, data: unknown): Worker {
  return new Worker(BOOT_URL, { workerData: { entry: entry.href, data } });
}
