import type { Metadata } from '@grpc/grpc-js';
import { ROOT_CONTEXT, propagation, type Context } from '@opentelemetry/api';

const setter = {
  set: (carrier: Metadata, key: string, value: string) => carrier.set(key, value),
};

const getter = {
  keys: (carrier: Metadata) => Object.keys(carrier.getMap()),
  get: (carrier: Metadata, key: string) => {
    const values = carrier.get(key);
    if (values.length === 0) return undefined;
    return values.map((v) => (typeof v === 'string' ? v : v.toString('utf8')));
  },
};

/** Writes `context`'s trace context (W3C `traceparent`, `tracestate`) into gRPC metadata. */
export function injectTraceContext(context: Context, metadata: Metadata): void {
  propagation.inject(context, metadata, setter);
}

/** The remote parent carried by gRPC metadata, or the root context when there is none. */
export function extractTraceContext(metadata: Metadata): Context {
  return propagation.extract(ROOT_CONTEXT, metadata, getter);
}
