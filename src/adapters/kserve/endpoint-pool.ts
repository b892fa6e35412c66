import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { Deadline } from '../../pipeline/deadline.ts';
import { RankerError } from '../../ports/ranker.ts';
import { CallCancelledError, KServeClient, type KServeClientOptions } from './kserve-client.ts';
import { LatencyWindow } from './latency-window.ts';

/** Consecutive BACKEND_UNAVAILABLE failures that open an endpoint's breaker. */
export const BREAKER_CONSECUTIVE_FAILURES = 5;
/** How long an open breaker refuses calls before one probe call is let through (half-open). */
export const BREAKER_OPEN_MS = 5_000;
export const READINESS_INTERVAL_MS = 2_000;
export const READINESS_TIMEOUT_MS = 500;
/** A call that failed with BACKEND_UNAVAILABLE is tried once more on another endpoint, deadline permitting. */
export const MAX_ATTEMPTS = 2;
/** Never hedge sooner than this, whatever the observed p95. */
export const HEDGE_MIN_DELAY_MS = 1;

export interface EndpointPoolOptions {
  /** host:port, plaintext gRPC. */
  readonly addresses: readonly string[];
  readonly modelName: string;
  readonly modelVersion?: string;
  readonly breakerFailures?: number;
  readonly breakerOpenMs?: number;
  readonly readinessIntervalMs?: number;
  /** Send a second copy to another endpoint when a call outlives its endpoint's observed p95. */
  readonly hedging?: boolean;
  readonly client?: KServeClientOptions;
}

export type BreakerStateName = 'closed' | 'open' | 'half-open';

/** One endpoint as the pool sees it, for metrics, logs and tests. */
export interface EndpointSnapshot {
  readonly address: string;
  readonly ready: boolean;
  readonly outstanding: number;
  readonly breaker: BreakerStateName;
  /** Successful calls answered by this endpoint. */
  readonly served: number;
  readonly p95Ms: number | undefined;
}

/** What a pooled call does with the endpoint it was given; it must honour `deadline` and `signal`. */
export type EndpointCall<T> = (client: KServeClient, deadline: Deadline, signal: AbortSignal) => Promise<T>;

class Endpoint {
  readonly client: KServeClient;
  readonly breaker: CircuitBreakerPolicy;
  readonly latency = new LatencyWindow(0.95);
  outstanding = 0;
  served = 0;
  ready = false;
  /** Date.now() when the breaker last opened (cockatiel times the open state with Date.now()). */
  openedAtMs = 0;

  constructor(readonly address: string, breakerFailures: number, private readonly breakerOpenMs: number, clientOptions: KServeClientOptions | undefined) {
    this.client = new KServeClient(address, clientOptions);
    this.breaker = circuitBreaker(
      // Only an unreachable or failing backend counts: a short caller deadline or an overloaded server is not a broken one.
      handleWhen((error) => error instanceof RankerError && error.reason === 'BACKEND_UNAVAILABLE'),
      { halfOpenAfter: breakerOpenMs, breaker: new ConsecutiveBreaker(breakerFailures) },
    );
    this.breaker.onBreak(() => {
      this.openedAtMs = Date.now();
    });
  }

  /** Whether a call may go here now: closed, or open long enough that the next call is the half-open probe. */
  available(): boolean {
    const state = this.breaker.state;
    if (state === CircuitState.Closed) return true;
    // Half-open: a probe is in flight and cockatiel would hold further calls behind it, past their deadlines.
    if (state === CircuitState.HalfOpen) return false;
    return state === CircuitState.Open && Date.now() - this.openedAtMs >= this.breakerOpenMs;
  }

  breakerName(): BreakerStateName {
    const state = this.breaker.state;
    return state === CircuitState.Closed ? 'closed' : state === CircuitState.HalfOpen ? 'half-open' : 'open';
  }
}

/**
 * Open Inference Protocol endpoints serving one model. A call goes to the ready endpoint with
 * the fewest calls outstanding whose breaker is not open (an endpoint not known ready is used
 * only when none is); each endpoint has a consecutive-failure breaker. When every breaker is
 * open, calls are refused with CIRCUIT_OPEN without touching the network. Readiness
 * (ServerReady and ModelReady) is checked by `checkReadiness` and, once
 * `startReadinessChecks` ran, every `readinessIntervalMs` on an unref'd timer.
 */
export class EndpointPool {
  private readonly list: Endpoint[];
  private readinessTimer: NodeJS.Timeout | undefined;
  private checking: Promise<number> | undefined;
  private rotation = 0;

  constructor(private readonly options: EndpointPoolOptions) {
    if (options.addresses.length === 0) throw new Error('an endpoint pool needs at least one address');
    const failures = options.breakerFailures ?? BREAKER_CONSECUTIVE_FAILURES;
    const openMs = options.breakerOpenMs ?? BREAKER_OPEN_MS;
    this.list = options.addresses.map((address) => new Endpoint(address, failures, openMs, options.client));
  }

  get endpoints(): EndpointSnapshot[] {
    return this.list.map((e) => ({
      address: e.address,
      ready: e.ready,
      outstanding: e.outstanding,
      breaker: e.breakerName(),
      served: e.served,
      p95Ms: e.latency.percentileMs(),
    }));
  }

  /** A client for a ready endpoint (for metadata reads), or undefined when none is ready. */
  readyClient(): KServeClient | undefined {
    return this.list.find((e) => e.ready)?.client;
  }

  /** Asks every endpoint ServerReady and ModelReady at once; resolves with how many are ready. */
  checkReadiness(timeoutMs: number = READINESS_TIMEOUT_MS): Promise<number> {
    // One check at a time: a slow round must not pile up behind the interval.
    this.checking ??= (async () => {
      try {
        const results = await Promise.all(this.list.map(async (endpoint) => {
          const deadline = Deadline.after(timeoutMs);
          try {
            endpoint.ready = (await endpoint.client.serverReady(deadline))
              && (await endpoint.client.modelReady(this.options.modelName, this.options.modelVersion ?? '', deadline));
          } catch {
            endpoint.ready = false;
          }
          return endpoint.ready;
        }));
        return results.filter(Boolean).length;
      } finally {
        this.checking = undefined;
      }
    })();
    return this.checking;
  }

  startReadinessChecks(): void {
    if (this.readinessTimer) return;
    this.readinessTimer = setInterval(() => void this.checkReadiness(), this.options.readinessIntervalMs ?? READINESS_INTERVAL_MS);
    this.readinessTimer.unref();
  }

  /**
   * Runs `call` on the best endpoint, once more on another after a BACKEND_UNAVAILABLE failure
   * while the deadline allows, hedged when enabled. Rejects with RankerErrors only.
   */
  async call<T>(deadline: Deadline, call: EndpointCall<T>): Promise<T> {
    const tried = new Set<Endpoint>();
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const endpoint = this.pick(tried);
      if (!endpoint) break;
      tried.add(endpoint);
      try {
        return this.options.hedging ? await this.hedged(endpoint, tried, deadline, call) : await this.attempt(endpoint, deadline, call, undefined);
      } catch (error) {
        lastError = error as Error;
        const retryable = error instanceof RankerError && (error.reason === 'BACKEND_UNAVAILABLE' || error.reason === 'CIRCUIT_OPEN');
        if (!retryable || deadline.expired()) throw error;
      }
    }
    if (lastError) throw lastError;
    throw new RankerError('CIRCUIT_OPEN', `all ${this.list.length} inference endpoints have open circuits`);
  }

  close(): void {
    clearInterval(this.readinessTimer);
    this.readinessTimer = undefined;
    for (const endpoint of this.list) endpoint.client.close();
  }

  private pick(exclude: ReadonlySet<Endpoint>): Endpoint | undefined {
    const candidates = this.list.filter((e) => !exclude.has(e) && e.available());
    const ready = candidates.filter((e) => e.ready);
    const pool = ready.length > 0 ? ready : candidates;
    // Least outstanding; ties broken by rotation so idle endpoints share the load.
    this.rotation = (this.rotation + 1) % Math.max(1, pool.length);
    let best: Endpoint | undefined;
    for (let i = 0; i < pool.length; i++) {
      const endpoint = pool[(this.rotation + i) % pool.length]!;
      if (!best || endpoint.outstanding < best.outstanding) best = endpoint;
    }
    return best;
  }

  private async attempt<T>(endpoint: Endpoint, deadline: Deadline, call: EndpointCall<T>, signal: AbortSignal | undefined): Promise<T> {
    endpoint.outstanding++;
    const startedMs = performance.now();
    const ownSignal = signal ?? new AbortController().signal;
    try {
      const result = await endpoint.breaker.execute(() => call(endpoint.client, deadline, ownSignal));
      endpoint.latency.record(performance.now() - startedMs);
      endpoint.served++;
      return result;
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw new RankerError('CIRCUIT_OPEN', `${endpoint.address}: circuit open`);
      // A cancelled hedge loser took at least this long: keep it in the window so p95 does not drift down.
      if (error instanceof CallCancelledError) endpoint.latency.record(performance.now() - startedMs);
      throw error;
    } finally {
      endpoint.outstanding--;
    }
  }

  /** The call on `primary`; if it outlives primary's p95, a copy on another endpoint too. First answer wins, the other is cancelled. */
  private hedged<T>(primary: Endpoint, tried: Set<Endpoint>, deadline: Deadline, call: EndpointCall<T>): Promise<T> {
    const p95 = primary.latency.percentileMs();
    if (p95 === undefined || p95 >= deadline.remainingMs() || this.list.length < 2) return this.attempt(primary, deadline, call, undefined);
    return new Promise<T>((resolve, reject) => {
      const controllers: AbortController[] = [];
      let running = 0;
      let settled = false;
      let hedgeTimer: NodeJS.Timeout | undefined;
      const launch = (endpoint: Endpoint): void => {
        const controller = new AbortController();
        controllers.push(controller);
        running++;
        this.attempt(endpoint, deadline, call, controller.signal).then(
          (value) => {
            running--;
            if (settled) return;
            settled = true;
            clearTimeout(hedgeTimer);
            for (const other of controllers) if (other !== controller) other.abort();
            resolve(value);
          },
          (error: unknown) => {
            running--;
            if (settled) return;
            // Wait for a copy still running, unless none is (or none will be: the timer is cleared).
            if (running > 0) return;
            settled = true;
            clearTimeout(hedgeTimer);
            reject(error as Error);
          },
        );
      };
      launch(primary);
      hedgeTimer = setTimeout(() => {
        hedgeTimer = undefined;
        if (settled) return;
        const second = this.pick(tried);
        if (!second) return;
        tried.add(second);
        launch(second);
      }, Math.max(HEDGE_MIN_DELAY_MS, p95));
      hedgeTimer.unref();
    });
  }
}
