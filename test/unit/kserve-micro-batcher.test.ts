import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MicroBatcher, type BatchSender } from '../../src/adapters/kserve/micro-batcher.ts';
import { Deadline } from '../../src/pipeline/deadline.ts';
import { RankerError } from '../../src/ports/ranker.ts';

const F = 2;

/** Row r of caller k holds [k, r]; the fake model scores a row as 100 k + r. */
function rowsOf(k: number, rows: number): Float32Array {
  return Float32Array.from({ length: rows * F }, (_, i) => (i % F === 0 ? k : Math.floor(i / F)));
}

interface SentBatch {
  rows: number;
  deadline: Deadline;
  resolve(): void;
  reject(error: Error): void;
}

function fakeSender(): { send: BatchSender; sent: SentBatch[] } {
  const sent: SentBatch[] = [];
  const send: BatchSender = (features, rows, deadline) =>
    new Promise((resolve, reject) => {
      const scores = Float32Array.from({ length: rows }, (_, r) => 100 * features[r * F]! + features[r * F + 1]!);
      sent.push({ rows, deadline, resolve: () => resolve(scores), reject });
    });
  return { send, sent };
}

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then((value) => ({ value }), (error: unknown) => ({ error }));
}

describe('MicroBatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits the delay, then sends one batch and gives each caller its own rows', async () => {
    const { send, sent } = fakeSender();
    const batcher = new MicroBatcher({ featureCount: F, maxBatchRows: 100, maxBatchDelayUs: 2000, send });
    const a = batcher.submit(rowsOf(1, 3), 3, Deadline.after(1000));
    const b = batcher.submit(rowsOf(2, 2), 2, Deadline.after(1000));
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(0); // 1 ms of a 2 ms delay
    const c = batcher.submit(rowsOf(3, 1), 1, Deadline.after(1000));
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.rows).toBe(6);
    sent[0]!.resolve();
    expect(Array.from(await a)).toEqual([100, 101, 102]);
    expect(Array.from(await b)).toEqual([200, 201]);
    expect(Array.from(await c)).toEqual([300]);
    expect(batcher.batchesSent).toBe(1);
  });

  it('sends as soon as maxBatchRows is reached, and starts a new batch for rows that would pass it', async () => {
    const { send, sent } = fakeSender();
    const batcher = new MicroBatcher({ featureCount: F, maxBatchRows: 10, maxBatchDelayUs: 50_000, send });
    const a = batcher.submit(rowsOf(1, 6), 6, Deadline.after(1000));
    const b = batcher.submit(rowsOf(2, 6), 6, Deadline.after(1000)); // 12 > 10: the first goes alone
    expect(sent.map((s) => s.rows)).toEqual([6]);
    const c = batcher.submit(rowsOf(3, 4), 4, Deadline.after(1000)); // 6 + 4 = 10: full, sent now
    expect(sent.map((s) => s.rows)).toEqual([6, 10]);
    const d = batcher.submit(rowsOf(4, 25), 25, Deadline.after(1000)); // larger than a batch: alone, at once
    expect(sent.map((s) => s.rows)).toEqual([6, 10, 25]);
    for (const s of sent) s.resolve();
    expect(Array.from(await a)).toEqual([100, 101, 102, 103, 104, 105]);
    expect(Array.from(await b)).toEqual([200, 201, 202, 203, 204, 205]);
    expect(Array.from(await c)).toEqual([300, 301, 302, 303]);
    expect(await d).toHaveLength(25);
  });

  it("gives the batch its earliest member's deadline", async () => {
    const { send, sent } = fakeSender();
    const batcher = new MicroBatcher({ featureCount: F, maxBatchRows: 100, maxBatchDelayUs: 1000, send });
    const late = Deadline.after(900);
    const early = Deadline.after(300);
    void batcher.submit(rowsOf(1, 1), 1, late);
    void batcher.submit(rowsOf(2, 1), 1, early);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent[0]!.deadline.atMs).toBe(early.atMs);
  });

  it('rejects a member whose deadline passed while waiting, without sending it', async () => {
    const { send, sent } = fakeSender();
    const batcher = new MicroBatcher({ featureCount: F, maxBatchRows: 100, maxBatchDelayUs: 10_000, send });
    const short = settle(batcher.submit(rowsOf(1, 2), 2, Deadline.after(5)));
    const long = batcher.submit(rowsOf(2, 3), 3, Deadline.after(1000));
    await vi.advanceTimersByTimeAsync(10);
    const outcome = await short;
    expect(outcome.error).toBeInstanceOf(RankerError);
    expect((outcome.error as RankerError).reason).toBe('DEADLINE_EXCEEDED');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.rows).toBe(3);
    sent[0]!.resolve();
    expect(Array.from(await long)).toEqual([200, 201, 202]);
  });

  it('sends nothing when every member expired, and refuses an expired deadline at once', async () => {
    const { send, sent } = fakeSender();
    const batcher = new MicroBatcher({ featureCount: F, maxBatchRows: 100, maxBatchDelayUs: 10_000, send });
    const a = settle(batcher.submit(rowsOf(1, 1), 1, Deadline.after(2)));
    await vi.advanceTimersByTimeAsync(10);
    expect((await a).error).toMatchObject({ reason: 'DEADLINE_EXCEEDED' });
    expect(sent).toHaveLength(0);
    await expect(batcher.submit(rowsOf(1, 1), 1, Deadline.after(0))).rejects.toMatchObject({ reason: 'DEADLINE_EXCEEDED' });
  });

  it('fails every member of a batch whose send failed', async () => {
    const { send, sent } = fakeSender();
    const batcher = new MicroBatcher({ featureCount: F, maxBatchRows: 100, maxBatchDelayUs: 1000, send });
    const a = settle(batcher.submit(rowsOf(1, 1), 1, Deadline.after(1000)));
    const b = settle(batcher.submit(rowsOf(2, 1), 1, Deadline.after(1000)));
    await vi.advanceTimersByTimeAsync(1);
    sent[0]!.reject(new RankerError('OVERLOADED', 'busy'));
    expect((await a).error).toMatchObject({ reason: 'OVERLOADED' });
    expect((await b).error).toMatchObject({ reason: 'OVERLOADED' });
  });

  it('with a zero delay, batches what arrives in the same event-loop turn', async () => {
    const { send, sent } = fakeSender();
    const batcher = new MicroBatcher({ featureCount: F, maxBatchRows: 100, maxBatchDelayUs: 0, send });
    void batcher.submit(rowsOf(1, 1), 1, Deadline.after(1000));
    void batcher.submit(rowsOf(2, 1), 1, Deadline.after(1000));
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((s) => s.rows)).toEqual([2]);
  });

  it('rejects waiting members on close and refuses later ones', async () => {
    const { send, sent } = fakeSender();
    const batcher = new MicroBatcher({ featureCount: F, maxBatchRows: 100, maxBatchDelayUs: 1000, send });
    const a = settle(batcher.submit(rowsOf(1, 1), 1, Deadline.after(1000)));
    batcher.close();
    expect((await a).error).toMatchObject({ reason: 'BACKEND_UNAVAILABLE' });
    await expect(batcher.submit(rowsOf(1, 1), 1, Deadline.after(1000))).rejects.toMatchObject({ reason: 'BACKEND_UNAVAILABLE' });
    await vi.advanceTimersByTimeAsync(5);
    expect(sent).toHaveLength(0);
  });
});
