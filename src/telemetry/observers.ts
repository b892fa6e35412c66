import type { ObservableResult } from '@opentelemetry/api';
import type { BreakerStateName, EndpointSnapshot } from '../adapters/kserve/endpoint-pool.ts';
import type { ResponseCacheStats } from '../gateway/response-cache/response-cache.ts';
import { instruments } from './instruments.ts';
import { ATTR } from './names.ts';

/** Gauge values of the breaker states. */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerStateName, number>> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Exposes the response cache's counters (hits, stale hits, coalesced and plain misses, stored
 * and not stored) as observable counters, read at each collection. Returns the function that stops it.
 */
export function observeResponseCache(stats: ResponseCacheStats): () => void {
  const { cacheLookups, cacheStores } = instruments();
  const lookups = (result: ObservableResult): void => {
    result.observe(stats.hits, { [ATTR.RESULT]: 'hit' });
    result.observe(stats.stale, { [ATTR.RESULT]: 'stale' });
    result.observe(stats.coalesced, { [ATTR.RESULT]: 'coalesced' });
    result.observe(stats.misses, { [ATTR.RESULT]: 'miss' });
  };
  const stores = (result: ObservableResult): void => {
    result.observe(stats.stored, { [ATTR.RESULT]: 'stored' });
    result.observe(stats.notStored, { [ATTR.RESULT]: 'not_stored' });
  };
  cacheLookups.addCallback(lookups);
  cacheStores.addCallback(stores);
  return () => {
    cacheLookups.removeCallback(lookups);
    cacheStores.removeCallback(stores);
  };
}

/**
 * Exposes each inference endpoint's breaker state (0 closed, 1 half-open, 2 open) and calls in
 * flight as gauges labelled by endpoint. Returns the function that stops it.
 */
export function observeEndpoints(snapshot: () => readonly EndpointSnapshot[]): () => void {
  const { breakerState, endpointOutstanding } = instruments();
  const breakers = (result: ObservableResult): void => {
    for (const e of snapshot()) result.observe(BREAKER_STATE_VALUE[e.breaker], { [ATTR.ENDPOINT]: e.address });
  };
  const outstanding = (result: ObservableResult): void => {
    for (const e of snapshot()) result.observe(e.outstanding, { [ATTR.ENDPOINT]: e.address });
  };
  breakerState.addCallback(breakers);
  endpointOutstanding.addCallback(outstanding);
  return () => {
    breakerState.removeCallback(breakers);
    endpointOutstanding.removeCallback(outstanding);
  };
}
