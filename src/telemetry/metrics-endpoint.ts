import { PrometheusSerializer, type PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { RouteHandler } from '../gateway/http-server.ts';

/** The content type of Prometheus' text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * `GET /metrics`: collects from the reader and answers the Prometheus text format. Other
 * methods get 405. Collection runs the observable callbacks (cache counters, breaker states).
 */
export function createMetricsEndpoint(reader: PrometheusExporter): RouteHandler {
  const serializer = new PrometheusSerializer('', false, undefined, true, true);
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain; charset=utf-8' }).end('GET /metrics only\n');
      req.resume();
      return;
    }
    const { resourceMetrics } = await reader.collect();
    const body = serializer.serialize(resourceMetrics);
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
