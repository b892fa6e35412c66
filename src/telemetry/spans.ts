import { INVALID_SPAN_CONTEXT, SpanStatusCode, trace, type Attributes, type Span, type SpanKind } from '@opentelemetry/api';
import { tracer, tracingActive } from './names.ts';

/** The span handed to `fn` when nothing traces: records nothing, as the API's own no-op. */
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Runs `fn` in a new active span that ends when its promise settles (error status and the
 * exception recorded on rejection). With no tracer provider registered it is the API's no-op.
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, kind?: SpanKind): Promise<T> {
  if (!tracingActive()) return fn(NO_SPAN);
  return tracer().startActiveSpan(name, kind === undefined ? { attributes } : { attributes, kind }, (span) =>
    fn(span).then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        failSpan(span, error);
        span.end();
        throw error;
      },
    ),
  );
}

/** Marks a span failed with the error's message. */
export function failSpan(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
