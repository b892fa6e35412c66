import type { StoredResponse } from './response-store.ts';

/** How long a key whose run stored nothing is not waited on. */
export const EMPTY_MEMORY_MS = 1_000;
/** Keys remembered that way at most. */
const EMPTY_MEMORY_ENTRIES = 10_000;

/** The request running a key's miss: it calls `end` once its answer is stored or abandoned. */
export interface LeadingMiss {
  end(): void;
}

interface Flight extends LeadingMiss {
  readonly startedAt: number;
  /** A store of the key's answer is under way: the flight ends with its result, not with `end`. */
  storing: boolean;
  /** Made when the first follower arrives (most flights have none). */
  answer?: { readonly promise: Promise<StoredResponse | null>; readonly resolve: (stored: StoredResponse | null) => void; readonly timer: NodeJS.Timeout };
}

/**
 * Concurrent misses of one cache key, in this process. When a popular answer expires (or was
 * never there), every request for it arriving before it is stored again would run the whole
 * operation: at 12k hits/s each expiry of one HomeFeed entry stalled the event loop 100-250 ms
 * (dozens of pipelines at ~2 ms of CPU each). Here the first request leads, and the others
 * either take a stale copy (the caller decides) or wait for the leader's stored answer, at most
 * `maxWaitMs` from the start of the flight; past that, or when the leader stores nothing (a
 * degraded or failed answer), they run the operation themselves, as without coalescing (and
 * for EMPTY_MEMORY_MS after a flight stored nothing, nobody waits on that key).
 */
export class MissFlights {
  private readonly flights = new Map<string, Flight>();
  /** Keys whose last flight stored nothing, and when it ended. */
  private readonly emptyAt = new Map<string, number>();

  constructor(
    private readonly maxWaitMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Whether the key's last flight ended without an answer less than EMPTY_MEMORY_MS ago. Such
   * keys are not waited on: an answer that is never stored (an anonymous HomeFeed is always
   * degraded) would otherwise make every request that overlaps a run wait for it, then run its
   * own anyway. Once the memory lapses, one flight probes the key again.
   */
  recentlyEmpty(key: string): boolean {
    const at = this.emptyAt.get(key);
    if (at === undefined) return false;
    if (this.now() - at < EMPTY_MEMORY_MS) return true;
    this.emptyAt.delete(key);
    return false;
  }

  /** A new flight for `key`, led by the caller; null when one is running (begun less than `maxWaitMs` ago). */
  lead(key: string): LeadingMiss | null {
    const running = this.flights.get(key);
    if (running && this.now() - running.startedAt < this.maxWaitMs) return null;
    if (running) this.settle(key, running, null); // its leader overran: followers stop waiting for it
    const flight: Flight = {
      startedAt: this.now(),
      storing: false,
      end: () => {
        if (flight.storing) return;
        this.settle(key, flight, null);
        this.rememberEmpty(key);
      },
    };
    this.flights.set(key, flight);
    return flight;
  }

  /** The running flight's stored answer; null when it ends without one, after `maxWaitMs`, or when none runs. */
  follow(key: string): Promise<StoredResponse | null> {
    const flight = this.flights.get(key);
    if (!flight) return Promise.resolve(null);
    if (!flight.answer) {
      let resolve!: (stored: StoredResponse | null) => void;
      const promise = new Promise<StoredResponse | null>((done) => (resolve = done));
      const timer = setTimeout(() => this.settle(key, flight, null), Math.max(0, flight.startedAt + this.maxWaitMs - this.now()));
      flight.answer = { promise, resolve, timer };
    }
    return flight.answer.promise;
  }

  /** An answer for `key` is being stored (by its leader or anyone else): the running flight ends with it. */
  storing(key: string, stored: Promise<StoredResponse | null>): void {
    const flight = this.flights.get(key);
    if (!flight) return;
    flight.storing = true;
    stored.then(
      (response) => {
        this.settle(key, flight, response);
        this.emptyAt.delete(key);
      },
      () => {
        this.settle(key, flight, null);
        this.rememberEmpty(key);
      },
    );
  }

  /** Keys with a flight running (for tests and metrics). */
  get size(): number {
    return this.flights.size;
  }

  private rememberEmpty(key: string): void {
    if (this.emptyAt.size >= EMPTY_MEMORY_ENTRIES) this.emptyAt.clear(); // bounded; dropped whole when full
    this.emptyAt.set(key, this.now());
  }

  private settle(key: string, flight: Flight, stored: StoredResponse | null): void {
    if (this.flights.get(key) === flight) this.flights.delete(key);
    if (!flight.answer) return;
    clearTimeout(flight.answer.timer);
    flight.answer.resolve(stored);
  }
}
