import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchError, DynamicBatcher, type DynamicBatcherOptions } from '../../src/inference-server/dynamic-batcher.ts';

const COLS = 2;

/** A runner whose batches the test settles; each row's score is its first feature. */
function fakeRunner() {
  const calls: Array<{ rows: number; resolve(): void; reject(error: Error): void }> = [];
  const run = (features: Float32Array, rows: number) =>
    new Promise<Float32Array>((resolve, reject) => {
      calls.push({ rows, resolve: () => resolve(Float32Array.from({ length: rows }, (_, r) => features[r * COLS]!)), reject });
    });
  return { calls, run };
}

/** `rows` rows whose first features are start, start+1, … */
function rowsFrom(start: number, rows: number): Float32Array {
  const out = new Float32Array(rows * COLS);
  for (let r = 0; r < rows; r++) out[r * COLS] = start + r;
  return out;
}

function batcher(run: DynamicBatcherOptions['run'], options: Partial<DynamicBatcherOptions> = {}): DynamicBatcher {
  return new DynamicBatcher({ maxBatchRows: 10, maxQueueDelayUs: 2000, maxQueueRequests: 8, maxInFlight: 1, run, now: () => Date.now(), ...options });
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('DynamicBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends a lone request once it has waited max_queue_delay, not before', async () => {
    const runner = fakeRunner();
    const b = batcher(runner.run);
    const result = b.submit({ features: rowsFrom(0, 3), rows: 3, deadlineMs: Infinity });
    await vi.advanceTimersByTimeAsync(1);
    expect(runner.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runner.calls.map((c) => c.rows)).toEqual([3]);
    runner.calls[0]!.resolve();
    await expect(result).resolves.toMatchObject({ batchRows: 3, scores: Float32Array.from([0, 1, 2]) });
  });

  it('merges up to max rows at once, in order, and splits the output back', async () => {
    const runner = fakeRunner();
    const b = batcher(runner.run);
    const results = [b.submit({ features: rowsFrom(0, 4), rows: 4, deadlineMs: Infinity }), b.submit({ features: rowsFrom(10, 4), rows: 4, deadlineMs: Infinity })];
    expect(runner.calls).toHaveLength(0); // 8 rows < 10: waits for more
    results.push(b.submit({ features: rowsFrom(20, 4), rows: 4, deadlineMs: Infinity }));
    // 12 rows queued >= 10: the first two leave without waiting; the third would overflow.
    expect(runner.calls.map((c) => c.rows)).toEqual([8]);
    runner.calls[0]!.resolve();
    const [first, second] = await Promise.all(results.slice(0, 2));
    expect(first).toEqual({ scores: Float32Array.from([0, 1, 2, 3]), batchRows: 8 });
    expect(second).toEqual({ scores: Float32Array.from([10, 11, 12, 13]), batchRows: 8 });
    await vi.advanceTimersByTimeAsync(2);
    expect(runner.calls.map((c) => c.rows)).toEqual([8, 4]);
    runner.calls[1]!.resolve();
    await expect(results[2]).resolves.toEqual({ scores: Float32Array.from([20, 21, 22, 23]), batchRows: 4 });
  });

  it('refuses requests beyond the queue limit with RESOURCE_EXHAUSTED', async () => {
    const runner = fakeRunner();
    const b = batcher(runner.run, { maxQueueRequests: 2 });
    const queued = [1, 2].map(() => b.submit({ features: rowsFrom(0, 1), rows: 1, deadlineMs: Infinity }));
    await expect(b.submit({ features: rowsFrom(0, 1), rows: 1, deadlineMs: Infinity })).rejects.toMatchObject({ reason: 'RESOURCE_EXHAUSTED' });
    await vi.advanceTimersByTimeAsync(2);
    runner.calls[0]!.resolve();
    await expect(Promise.all(queued)).resolves.toHaveLength(2);
  });

  it('answers DEADLINE_EXCEEDED for work whose deadline passes while queued, and never computes it', async () => {
    const runner = fakeRunner();
    const b = batcher(runner.run, { maxBatchRows: 4 });
    const running = b.submit({ features: rowsFrom(0, 4), rows: 4, deadlineMs: Infinity }); // fills a batch: runs at once
    const late = b.submit({ features: rowsFrom(0, 4), rows: 4, deadlineMs: Date.now() + 5 }); // waits for the busy worker
    const lateError = late.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5);
    expect(await lateError).toMatchObject({ reason: 'DEADLINE_EXCEEDED' });
    runner.calls[0]!.resolve();
    await running;
    await vi.advanceTimersByTimeAsync(10);
    expect(runner.calls.map((c) => c.rows)).toEqual([4]);
    await expect(b.submit({ features: rowsFrom(0, 1), rows: 1, deadlineMs: Date.now() })).rejects.toBeInstanceOf(BatchError);
  });

  it('drains: sends what is queued at once, waits for it, and refuses new work', async () => {
    const runner = fakeRunner();
    const b = batcher(runner.run, { maxQueueDelayUs: 1_000_000 });
    const queued = b.submit({ features: rowsFrom(0, 2), rows: 2, deadlineMs: Infinity });
    let drained = false;
    const draining = b.drain().then(() => (drained = true));
    expect(runner.calls.map((c) => c.rows)).toEqual([2]);
    await settle();
    expect(drained).toBe(false);
    await expect(b.submit({ features: rowsFrom(0, 1), rows: 1, deadlineMs: Infinity })).rejects.toMatchObject({ reason: 'UNAVAILABLE' });
    runner.calls[0]!.resolve();
    await expect(queued).resolves.toMatchObject({ batchRows: 2 });
    await draining;
    expect(drained).toBe(true);
  });

  it('fails every request of a batch whose run fails with INTERNAL', async () => {
    const runner = fakeRunner();
    const b = batcher(runner.run, { maxQueueDelayUs: 0 });
    const result = b.submit({ features: rowsFrom(0, 1), rows: 1, deadlineMs: Infinity });
    await settle();
    runner.calls[0]!.reject(new Error('boom'));
    await expect(result).rejects.toMatchObject({ reason: 'INTERNAL', message: 'boom' });
  });
});
