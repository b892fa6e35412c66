import { metrics, type Counter, type Histogram, type ObservableCounter, type ObservableGauge } from '@opentelemetry/api';
import { METRIC, ROWS_BUCKETS, SECONDS_BUCKETS, meter } from './names.ts';

/** Every instrument of the gateway and the inference server (the per-request histograms are in request-histograms.ts). */
export interface Instruments {
  readonly rankingDuration: Histogram;
  readonly degraded: Counter;
  readonly cacheLookups: ObservableCounter;
  readonly cacheStores: ObservableCounter;
  readonly breakerState: ObservableGauge;
  readonly endpointOutstanding: ObservableGauge;
  readonly clientBatchRows: Histogram;
  readonly serverBatchRows: Histogram;
  readonly serverQueueDuration: Histogram;
}

let cached: { provider: unknown; instruments: Instruments } | undefined;

/**
 * The instruments on the meter provider registered now. Cheap per call (one identity check);
 * instruments are created again when a different provider has been registered since, so a
 * component created before telemetry started still records once it has.
 */
export function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (cached?.provider === provider) return cached.instruments;
  const m = meter();
  const seconds = (name: string, description: string): Histogram =>
    m.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: SECONDS_BUCKETS } });
  const created: Instruments = {
    rankingDuration: seconds(METRIC.RANKING_DURATION, 'Ranker score() calls by backend (local, remote) and outcome.'),
    degraded: m.createCounter(METRIC.DEGRADED, { description: 'Rankings answered degraded, by stage and reason.' }),
    cacheLookups: m.createObservableCounter(METRIC.CACHE_LOOKUPS, { description: 'Response-cache lookups by result (hit, stale, coalesced, miss).' }),
    cacheStores: m.createObservableCounter(METRIC.CACHE_STORES, { description: 'Response-cache writes by result (stored, not_stored).' }),
    breakerState: m.createObservableGauge(METRIC.BREAKER_STATE, { description: 'Circuit breaker of each inference endpoint: 0 closed, 1 half-open, 2 open.' }),
    endpointOutstanding: m.createObservableGauge(METRIC.ENDPOINT_OUTSTANDING, { description: 'ModelInfer calls in flight per inference endpoint.' }),
    clientBatchRows: m.createHistogram(METRIC.CLIENT_BATCH_ROWS, { description: 'Rows per ModelInfer call sent by the gateway micro-batcher.', advice: { explicitBucketBoundaries: ROWS_BUCKETS } }),
    serverBatchRows: m.createHistogram(METRIC.SERVER_BATCH_ROWS, { description: 'Rows per merged batch run by the inference server.', advice: { explicitBucketBoundaries: ROWS_BUCKETS } }),
    serverQueueDuration: seconds(METRIC.SERVER_QUEUE_DURATION, 'Time a ModelInfer request waited in the inference server queue.'),
  };
  cached = { provider, instruments: created };
  return created;
}
