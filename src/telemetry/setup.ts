import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Config } from '../config.ts';
import type { RouteHandler } from '../gateway/http-server.ts';
import { createMetricsEndpoint } from './metrics-endpoint.ts';
import { activateRequestHistograms, RequestHistograms } from './request-histograms.ts';

export interface TelemetryOptions {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** OTEL_SDK_DISABLED=true: no providers, no /metrics. */
  readonly disabled: boolean;
  /** Serve metrics (Prometheus text) from the returned endpoint. */
  readonly metrics: boolean;
  /**
   * OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-specific one): spans go to OTLP, with the
   * protocol and batching of the standard OTEL_* variables. Null: no exporter, no tracer
   * provider, no context manager: spans are the API's no-ops and cost nothing.
   */
  readonly otlpEndpoint: string | null;
  /** Tests and benches: these processors instead of OTLP (tracing is then on). */
  readonly spanProcessors?: SpanProcessor[];
}

export interface Telemetry {
  /** Whether spans are recorded. */
  readonly tracing: boolean;
  /** `GET /metrics` (Prometheus text format 0.0.4); null when metrics are off. */
  readonly metricsEndpoint: RouteHandler | null;
  /** The reader behind /metrics (tests collect from it directly); null when metrics are off. */
  readonly prometheus: PrometheusExporter | null;
  /** Flushes and stops the providers (spans still buffered are exported). */
  shutdown(): Promise<void>;
}

/**
 * Registers the global OpenTelemetry providers: call it once, from a composition root
 * (src/main.ts, src/inference-server/main.ts) or a test, before creating the components it
 * observes. W3C trace context is the propagator; the context manager is AsyncLocalStorage.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (options.disabled) return { tracing: false, metricsEndpoint: null, prometheus: null, shutdown: async () => {} };
  const tracing = options.spanProcessors !== undefined || options.otlpEndpoint !== null;
  // The per-request histograms are aggregated outside the SDK and handed to its reader.
  const histograms = options.metrics ? new RequestHistograms() : null;
  const prometheus = histograms ? new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, metricProducers: [histograms] }) : null;
  if (!tracing && !prometheus) return { tracing: false, metricsEndpoint: null, prometheus: null, shutdown: async () => {} };
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}),
    }),
    autoDetectResources: false,
    // Without tracing: no context manager and no propagator, so span calls stay free no-ops.
    ...(tracing ? { textMapPropagator: new W3CTraceContextPropagator() } : { contextManager: null as never, textMapPropagator: null }),
    // undefined: the SDK reads OTEL_TRACES_EXPORTER / OTEL_EXPORTER_OTLP_* (OTLP by default).
    ...(tracing ? (options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}) : { spanProcessors: [] }),
    metricReaders: prometheus ? [prometheus] : [],
    // Logs go to pino, not to OTel.
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  activateRequestHistograms(histograms);
  return {
    tracing,
    prometheus,
    metricsEndpoint: prometheus ? createMetricsEndpoint(prometheus) : null,
    shutdown: () => {
      activateRequestHistograms(null);
      return sdk.shutdown();
    },
  };
}

/** Telemetry as the gateway's configuration asks for it (src/main.ts, and benches that start its stack). */
export function startGatewayTelemetry(config: Pick<Config, 'telemetry'>): Telemetry {
  return startTelemetry({
    serviceName: config.telemetry.serviceName,
    disabled: config.telemetry.sdkDisabled,
    metrics: config.telemetry.metricsEnabled,
    otlpEndpoint: config.telemetry.otlpEndpoint,
  });
}

/** The OTLP endpoint the environment names for traces, or null. */
export function otlpEndpointOf(env: Readonly<Record<string, string | undefined>>): string | null {
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || null;
}
