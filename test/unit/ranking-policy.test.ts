import { describe, expect, it } from 'vitest';
import { Deadline } from '../../src/pipeline/deadline.ts';
import { hybridScorer, REMOTE_MARGIN_MS } from '../../src/pipeline/ranking-policy.ts';
import { RankerError, type ObservedRanker } from '../../src/ports/ranker.ts';

class FakeRanker implements ObservedRanker {
  calls = 0;
  constructor(readonly modelId: string, private readonly value: number, private readonly p95 = 0, private readonly failure: RankerError | null = null) {}
  readonly featureCount = 2;
  observedP95Ms(): number {
    return this.p95;
  }
  async score(_features: Float32Array, rows: number): Promise<Float32Array> {
    this.calls++;
    if (this.failure) throw this.failure;
    return new Float32Array(rows).fill(this.value);
  }
  async close(): Promise<void> {}
}

const features = new Float32Array(4);

describe('hybridScorer', () => {
  it('uses the remote heavy model when the budget covers its p95 plus the margin', async () => {
    const local = new FakeRanker('light@1', 1);
    const remote = new FakeRanker('heavy@1', 2, 20);
    const scored = await hybridScorer('HOME', local, remote)(features, 2, Deadline.after(20 + REMOTE_MARGIN_MS + 50));
    expect(scored).toEqual({ scores: Float32Array.from([2, 2]), model: 'heavy@1' });
    expect(local.calls).toBe(0);
  });

  it('stays local when the remaining budget is below the remote p95 plus the margin', async () => {
    const local = new FakeRanker('light@1', 1);
    const remote = new FakeRanker('heavy@1', 2, 200);
    const scored = await hybridScorer('HOME', local, remote)(features, 2, Deadline.after(100));
    expect(scored.model).toBe('light@1');
    expect(remote.calls).toBe(0);
  });

  it('never goes remote for CHECKOUT', async () => {
    const local = new FakeRanker('light@1', 1);
    const remote = new FakeRanker('heavy@1', 2, 0);
    expect((await hybridScorer('CHECKOUT', local, remote)(features, 2, Deadline.after(1000))).model).toBe('light@1');
    expect(remote.calls).toBe(0);
  });

  it('falls back to the local model when the remote one fails', async () => {
    const local = new FakeRanker('light@1', 1);
    const remote = new FakeRanker('heavy@1', 2, 0, new RankerError('CIRCUIT_OPEN', 'open'));
    const scored = await hybridScorer('HOME', local, remote)(features, 2, Deadline.after(1000));
    expect(scored.model).toBe('light@1');
    expect(remote.calls).toBe(1);
  });

  it('throws the local failure when both fail, for the caller to serve the coarse order', async () => {
    const local = new FakeRanker('light@1', 1, 0, new RankerError('OVERLOADED', 'full'));
    const remote = new FakeRanker('heavy@1', 2, 0, new RankerError('BACKEND_UNAVAILABLE', 'down'));
    await expect(hybridScorer('HOME', local, remote)(features, 2, Deadline.after(1000))).rejects.toMatchObject({ reason: 'OVERLOADED' });
  });

  it('uses the local model alone when there is no remote one', async () => {
    const local = new FakeRanker('light@1', 1);
    expect((await hybridScorer('HOME', local, null)(features, 2, Deadline.after(1000))).model).toBe('light@1');
  });
});
