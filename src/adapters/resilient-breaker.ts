import type { GraphQLError } from 'graphql';
import { gatewayError } from '../errors.ts';

/**
 * A Redis read or write that outlasts this is abandoned (the request goes on with its
 * fallback) and counts as a failure. A dead Redis fails at once (connection refused, no
 * offline queue); this bounds a hung one, which otherwise holds a call for the client's 2 s
 * command timeout. The refined pass is already bounded by the request's deadline (50-150 ms);
 * this covers the coarse path and writes, with headroom over event-loop stalls on a busy
 * 2-core host so a healthy but slow reply is not counted as an outage.
 */
export const RESILIENT_CALL_TIMEOUT_MS = 250;
/** Consecutive failed calls that open the circuit (a single lost reply does not). */
export const BREAKER_FAILURE_THRESHOLD = 3;
/** How long an open circuit short-circuits every call before one probe is let through. */
export const BREAKER_OPEN_MS = 500;

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What every resilient adapter throws when its backend cannot answer: a catalogued, coded error. */
export function backendUnavailable(what: string, cause?: unknown): GraphQLError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return gatewayError('BACKEND_UNAVAILABLE', `${what} is unavailable (Redis unreachable)${detail}`);
}

export interface BreakerOptions {
  readonly failureThreshold?: number;
  readonly openMs?: number;
  readonly callTimeoutMs?: number;
  /** Monotonic clock in milliseconds (tests inject one). */
  readonly now?: () => number;
}

/**
 * A small circuit breaker with a per-call timeout, shared by every adapter on one Redis
 * connection: after `failureThreshold` consecutive failures it opens and `run` rejects at once
 * (no Redis round trip, no timer); after `openMs` one call is let through as a probe (others
 * keep short-circuiting); its success closes the circuit, its failure opens it again.
 * `run` rejects only with `backendUnavailable` errors.
 */
export class StoreBreaker {
  private failures = 0;
  private openUntil = 0;
  private probing = false;
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(options: BreakerOptions = {}) {
    this.threshold = options.failureThreshold ?? BREAKER_FAILURE_THRESHOLD;
    this.openMs = options.openMs ?? BREAKER_OPEN_MS;
    this.timeoutMs = options.callTimeoutMs ?? RESILIENT_CALL_TIMEOUT_MS;
    this.now = options.now ?? (() => performance.now());
  }

  get state(): BreakerState {
    if (this.failures < this.threshold) return 'closed';
    return this.now() < this.openUntil || this.probing ? 'open' : 'half-open';
  }

  async run<T>(what: string, call: () => Promise<T>): Promise<T> {
    let probe = false;
    if (this.failures >= this.threshold) {
      if (this.now() < this.openUntil || this.probing) throw backendUnavailable(what, new Error('circuit open'));
      probe = true;
      this.probing = true;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        Promise.resolve().then(call),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no reply within ${this.timeoutMs} ms`)), this.timeoutMs);
          timer.unref();
        }),
      ]);
      this.failures = 0;
      return result;
    } catch (error) {
      this.failures++;
      if (this.failures >= this.threshold) this.openUntil = this.now() + this.openMs;
      throw backendUnavailable(what, error);
    } finally {
      clearTimeout(timer);
      if (probe) this.probing = false;
    }
  }
}
