import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type HistogramMetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR, INSTRUMENTATION_SCOPE, METRIC, SECONDS_BUCKETS } from './names.ts';

/** Attribute values of one series, in the order of the histogram's attribute names. */
type Values = readonly [string | number | boolean, (string | number | boolean)?, (string | number | boolean)?];

/** Series per histogram before new attribute sets go to one overflow series (as the SDK's cardinality limit does). */
export const SERIES_LIMIT = 2000;

interface Series {
  readonly attributes: Attributes;
  readonly startTime: HrTime;
  /** counts[i]: values in (boundaries[i-1], boundaries[i]]; the last counts values above every boundary. */
  readonly counts: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
}

/**
 * A latency histogram recorded on every request, aggregated here and exported through the
 * OpenTelemetry SDK as a MetricProducer (cumulative, explicit buckets, same data model).
 * The SDK's own record() hashes and sorts the attribute set on every call (about a quarter of
 * a trivial request's CPU for three histograms); here a series is found by its values joined.
 */
export class RequestHistogram {
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    private readonly description: string,
    private readonly attributeNames: readonly [string, string?, string?],
    private readonly boundaries: readonly number[] = SECONDS_BUCKETS,
  ) {}

  // The series of the previous call: most requests repeat it, and then no key string is built.
  private last: { a: Values[0]; b: Values[1]; c: Values[2]; series: Series } | null = null;

  record(value: number, a: Values[0], b?: Values[1], c?: Values[2]): void {
    const last = this.last;
    let series: Series;
    if (last !== null && last.a === a && last.b === b && last.c === c) {
      series = last.series;
    } else {
      const key = c === undefined ? (b === undefined ? `${a}` : `${a}\u0001${b}`) : `${a}\u0001${b}\u0001${c}`;
      series = this.series.get(key) ?? this.open(key, [a, b, c]);
      this.last = { a, b, c, series };
    }
    const boundaries = this.boundaries;
    const counts = series.counts;
    let i = 0;
    while (i < boundaries.length && value > boundaries[i]!) i++;
    counts[i]!++;
    series.count++;
    series.sum += value;
    if (value < series.min) series.min = value;
    if (value > series.max) series.max = value;
  }

  private open(key: string, values: Values): Series {
    if (this.series.size >= SERIES_LIMIT) {
      const overflow = this.series.get(OVERFLOW_KEY);
      if (overflow) return overflow;
      return this.add(OVERFLOW_KEY, { 'otel.metric.overflow': true });
    }
    const attributes: Attributes = {};
    this.attributeNames.forEach((name, i) => {
      if (name !== undefined && values[i] !== undefined) attributes[name] = values[i];
    });
    return this.add(key, attributes);
  }

  private add(key: string, attributes: Attributes): Series {
    const series: Series = {
      attributes,
      startTime: hrTime(),
      counts: new Array<number>(this.boundaries.length + 1).fill(0),
      count: 0,
      sum: 0,
      min: Infinity,
      max: -Infinity,
    };
    this.series.set(key, series);
    return series;
  }

  /** What the SDK exports: one cumulative data point per series. */
  metricData(endTime: HrTime): HistogramMetricData | null {
    if (this.series.size === 0) return null;
    const dataPoints: DataPoint<Histogram>[] = [];
    for (const s of this.series.values()) {
      dataPoints.push({
        attributes: s.attributes,
        startTime: s.startTime,
        endTime,
        value: { buckets: { boundaries: [...this.boundaries], counts: [...s.counts] }, count: s.count, sum: s.sum, min: s.min, max: s.max },
      });
    }
    return {
      descriptor: { name: this.name, description: this.description, unit: 's', valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints,
      isMonotonic: true,
    } as HistogramMetricData;
  }
}

const OVERFLOW_KEY = '\u0000overflow';

/** The per-request histograms of the gateway, and the producer that hands them to the SDK's readers. */
export class RequestHistograms implements MetricProducer {
  readonly httpDuration = new RequestHistogram(METRIC.HTTP_DURATION, 'HTTP requests by method, route and status, until the response is written.', [
    ATTR.HTTP_METHOD,
    ATTR.HTTP_ROUTE,
    ATTR.HTTP_STATUS,
  ]);
  readonly firstPayload = new RequestHistogram(
    METRIC.FIRST_PAYLOAD,
    'Time to the first payload of a GraphQL response by operation (the initial part of a @defer response).',
    [ATTR.OPERATION, ATTR.STREAMED],
  );
  readonly finalPayload = new RequestHistogram(
    METRIC.FINAL_PAYLOAD,
    'Time to the final payload of a GraphQL response by operation (the last part of a @defer response).',
    [ATTR.OPERATION, ATTR.STREAMED],
  );

  async collect(): Promise<CollectionResult> {
    const endTime = hrTime();
    const metrics = [this.httpDuration, this.firstPayload, this.finalPayload].map((h) => h.metricData(endTime)).filter((m) => m !== null);
    return {
      // The reader keeps the SDK's resource; this one is not exported.
      resourceMetrics: { resource: resourceFromAttributes({}), scopeMetrics: metrics.length ? [{ scope: { name: INSTRUMENTATION_SCOPE }, metrics }] : [] },
      errors: [],
    };
  }
}

/** Records nothing: the histograms while no telemetry with metrics has started. */
const OFF = new RequestHistograms();
let active: RequestHistograms | null = null;

/** The histograms of the telemetry started last (startTelemetry), or ones nobody reads. */
export function requestHistograms(): RequestHistograms {
  return active ?? OFF;
}

/** Called by startTelemetry (a new set per start) and its shutdown (null). */
export function activateRequestHistograms(histograms: RequestHistograms | null): void {
  active = histograms;
}
