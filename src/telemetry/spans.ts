import { SpanStatusCode, type Attributes, type Span, type SpanKind } from '@opentelemetry/api';
import { tracer } from './names.ts';

/**
 * Runs `fn` in a new active span that ends when its promise settles (error status and the
 * exception recorded on rejection). With no tracer provider registered it is the API's no-op.
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, kind?: SpanKind): Promise<T> {
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
