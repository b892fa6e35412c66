/** Samples kept per window: the last this many calls. */
export const LATENCY_WINDOW_SAMPLES = 512;
/** Fewer samples than this and the window reports no percentile. */
export const LATENCY_MIN_SAMPLES = 20;
/** The percentile is recomputed after this many new samples (sorting on every read would cost more than the call). */
const RECOMPUTE_EVERY_SAMPLES = 16;

/**
 * A sliding window of call latencies (milliseconds) with a cached percentile. Record after
 * each successful call; read whenever. Not thread-safe (none of Node's event loop is).
 */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;
  private sinceRecompute = 0;
  private cached: number | undefined;

  constructor(private readonly quantile = 0.95, size = LATENCY_WINDOW_SAMPLES) {
    this.samples = new Float64Array(size);
  }

  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    this.count = Math.min(this.count + 1, this.samples.length);
    this.sinceRecompute++;
  }

  /** The quantile over the window, or undefined while it holds fewer than LATENCY_MIN_SAMPLES. */
  percentileMs(): number | undefined {
    if (this.count < LATENCY_MIN_SAMPLES) return undefined;
    if (this.cached === undefined || this.sinceRecompute >= RECOMPUTE_EVERY_SAMPLES) {
      const sorted = this.samples.slice(0, this.count).sort();
      this.cached = sorted[Math.min(this.count - 1, Math.floor(this.quantile * this.count))]!;
      this.sinceRecompute = 0;
    }
    return this.cached;
  }

  get size(): number {
    return this.count;
  }
}
