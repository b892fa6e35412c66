import { SpanStatusCode, context, trace, type Context, type Link } from '@opentelemetry/api';
import { instruments } from '../telemetry/instruments.ts';
import { ATTR, SPAN, tracer } from '../telemetry/names.ts';

/** setTimeout's resolution: delays below it round up to it. */
const TIMER_GRANULARITY_MS = 1;

/** Why the batcher refused or failed a request; the service maps each onto a gRPC status. */
export type BatchFailure = 'RESOURCE_EXHAUSTED' | 'DEADLINE_EXCEEDED' | 'UNAVAILABLE' | 'INTERNAL';

export class BatchError extends Error {
  constructor(readonly reason: BatchFailure, message: string) {
    super(message);
    this.name = 'BatchError';
  }
}

/** Runs one merged batch: row-major [rows x cols] in, row-major [rows x width] out. */
export type BatchRunner = (features: Float32Array, rows: number) => Promise<Float32Array>;

export interface DynamicBatcherOptions {
  /** A merged run holds at most this many rows; a larger single request runs alone. */
  readonly maxBatchRows: number;
  /** The oldest waiting request is sent at the latest this long after it arrived. */
  readonly maxQueueDelayUs: number;
  /** Requests waiting (not running) beyond this are refused with RESOURCE_EXHAUSTED. */
  readonly maxQueueRequests: number;
  /** Batches running at once (one per session worker). */
  readonly maxInFlight: number;
  readonly run: BatchRunner;
  /** Milliseconds on the clock deadlines are given in; performance.now() by default. */
  readonly now?: () => number;
}

export interface BatchRequest {
  /** row-major [rows x cols] */
  readonly features: Float32Array;
  readonly rows: number;
  /** Absolute deadline on the batcher's clock (ms); Infinity for none. */
  readonly deadlineMs: number;
}

export interface BatchResult {
  /** This request's rows of the output, [rows x width]. */
  readonly scores: Float32Array;
  /** Rows of the merged batch this request ran in. */
  readonly batchRows: number;
}

interface Entry {
  readonly request: BatchRequest;
  readonly enqueuedAtMs: number;
  readonly resolve: (result: BatchResult) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  /** The submitter's trace context: the batch span's parent (first entry) or a link (the others). */
  readonly context: Context;
}

/**
 * Server-side dynamic batching for one model version. Requests queue; a batch leaves when
 * the queued rows reach `maxBatchRows` or the oldest request has waited `maxQueueDelayUs`,
 * whichever comes first, and a worker is free. A request whose deadline passes while it
 * waits is answered DEADLINE_EXCEEDED and never computed.
 */
export class DynamicBatcher {
  private readonly queue: Entry[] = [];
  private queuedRows = 0;
  private inFlight = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushAtMs = Infinity;
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  private readonly now: () => number;

  constructor(private readonly options: DynamicBatcherOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Queues a request; settles with its share of the merged output, or a BatchError. */
  submit(request: BatchRequest): Promise<BatchResult> {
    if (this.draining) return Promise.reject(new BatchError('UNAVAILABLE', 'the server is shutting down'));
    const now = this.now();
    if (request.deadlineMs <= now) return Promise.reject(new BatchError('DEADLINE_EXCEEDED', 'the deadline had passed when the request arrived'));
    if (this.queue.length >= this.options.maxQueueRequests) {
      return Promise.reject(new BatchError('RESOURCE_EXHAUSTED', `the queue is full (${this.options.maxQueueRequests} requests waiting)`));
    }
    return new Promise<BatchResult>((resolve, reject) => {
      const entry: Entry = { request, enqueuedAtMs: now, resolve, reject, timer: undefined, context: context.active() };
      if (Number.isFinite(request.deadlineMs)) {
        // Answer at the deadline even when no worker frees up before it.
        entry.timer = setTimeout(() => this.expire(entry), request.deadlineMs - now);
        entry.timer.unref();
      }
      this.queue.push(entry);
      this.queuedRows += request.rows;
      this.pump();
    });
  }

  /** Requests waiting, and batches running. */
  get depth(): { queued: number; queuedRows: number; inFlight: number } {
    return { queued: this.queue.length, queuedRows: this.queuedRows, inFlight: this.inFlight };
  }

  /**
   * Stops accepting (UNAVAILABLE), sends what is queued without waiting for the delay, and
   * resolves once nothing is queued or running. For graceful shutdown.
   */
  drain(): Promise<void> {
    this.draining = true;
    this.pump();
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses everything still queued (UNAVAILABLE); running batches still settle. */
  abort(): void {
    this.draining = true;
    for (const entry of this.queue.splice(0)) {
      clearTimeout(entry.timer);
      entry.reject(new BatchError('UNAVAILABLE', 'the server shut down before this request ran'));
    }
    this.queuedRows = 0;
    this.settleIdle();
  }

  /** `slackMs`: how early a flush may be (the flush timer passes its granularity). */
  private pump(slackMs = 0): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      if (!this.draining && this.queuedRows < this.options.maxBatchRows) {
        const sendAt = this.queue[0]!.enqueuedAtMs + this.options.maxQueueDelayUs / 1000;
        if (sendAt > this.now() + slackMs) {
          this.scheduleFlush(sendAt);
          return;
        }
      }
      this.dispatch(this.takeBatch());
    }
    this.settleIdle();
  }

  private takeBatch(): Entry[] {
    const batch: Entry[] = [this.queue.shift()!];
    let rows = batch[0]!.request.rows;
    // FIFO: stop at the first request that would overflow the batch.
    while (this.queue.length > 0 && rows + this.queue[0]!.request.rows <= this.options.maxBatchRows) {
      const next = this.queue.shift()!;
      rows += next.request.rows;
      batch.push(next);
    }
    this.queuedRows -= rows;
    return batch;
  }

  private dispatch(taken: Entry[]): void {
    const now = this.now();
    const batch: Entry[] = [];
    for (const entry of taken) {
      clearTimeout(entry.timer);
      if (entry.request.deadlineMs <= now) entry.reject(new BatchError('DEADLINE_EXCEEDED', 'the deadline passed while the request was queued'));
      else batch.push(entry);
    }
    if (batch.length === 0) return;
    const rows = batch.reduce((sum, e) => sum + e.request.rows, 0);
    const features = batch.length === 1 ? batch[0]!.request.features : concat(batch.map((e) => e.request.features));
    const metrics = instruments();
    metrics.serverBatchRows.record(rows);
    for (const entry of batch) metrics.serverQueueDuration.record((now - entry.enqueuedAtMs) / 1000);
    const span = this.batchSpan(batch, rows);
    this.inFlight++;
    this.options
      .run(features, rows)
      .then(
        (output) => {
          const width = output.length / rows;
          let offset = 0;
          for (const entry of batch) {
            const size = entry.request.rows * width;
            entry.resolve({ scores: output.slice(offset, offset + size), batchRows: rows });
            offset += size;
          }
        },
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          span?.setStatus({ code: SpanStatusCode.ERROR, message });
          for (const entry of batch) entry.reject(new BatchError('INTERNAL', message));
        },
      )
      .finally(() => {
        span?.end();
        this.inFlight--;
        this.pump();
      });
  }

  /** A span for one merged run: child of the first request's span, linked to the others'. Null when not traced. */
  private batchSpan(batch: readonly Entry[], rows: number) {
    const parent = batch[0]!.context;
    if (!trace.getSpan(parent)?.isRecording()) return null;
    const links: Link[] = [];
    for (let i = 1; i < batch.length; i++) {
      const linked = trace.getSpanContext(batch[i]!.context);
      if (linked) links.push({ context: linked });
    }
    return tracer().startSpan(SPAN.INFERENCE_BATCH, { attributes: { [ATTR.BATCH_ROWS]: rows, [ATTR.BATCH_REQUESTS]: batch.length }, links }, parent);
  }

  private expire(entry: Entry): void {
    const index = this.queue.indexOf(entry);
    if (index < 0) return;
    this.queue.splice(index, 1);
    this.queuedRows -= entry.request.rows;
    entry.reject(new BatchError('DEADLINE_EXCEEDED', 'the deadline passed while the request was queued'));
    this.settleIdle();
  }

  private scheduleFlush(atMs: number): void {
    if (this.flushTimer && this.flushAtMs <= atMs) return;
    clearTimeout(this.flushTimer);
    this.flushAtMs = atMs;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flushAtMs = Infinity;
      // Timers tick on the event loop's cached millisecond clock, so one may fire a fraction of
      // a millisecond early by performance.now(); re-arming would add a whole extra millisecond.
      this.pump(TIMER_GRANULARITY_MS);
    }, Math.max(0, atMs - this.now()));
    this.flushTimer.unref();
  }

  private settleIdle(): void {
    if (this.queue.length > 0 || this.inFlight > 0) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushAtMs = Infinity;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
