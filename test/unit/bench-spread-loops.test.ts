import { describe, expect, it } from 'vitest';
import { summarizeOpenLoops, type OpenLoopSamples } from '../../bench/suite/open-loop.ts';
import { shares } from '../../bench/suite/pinned-children.ts';
import { median } from '../../bench/suite/percentiles.ts';

const run = (lasts: number[], extra: Partial<OpenLoopSamples> = {}): OpenLoopSamples => ({
  offeredRps: 100,
  elapsedS: 2,
  sent: lasts.length,
  bad: 0,
  unfinished: 0,
  firsts: lasts.map((ms) => ms / 2),
  lasts,
  lags: lasts.map(() => 0.1),
  tags: { 'ranker-light@1': lasts.length },
  ...extra,
});

describe('spread load (bench)', () => {
  it('splits connections and sockets into near-equal whole shares', () => {
    expect(shares(50, 4)).toEqual([13, 13, 12, 12]);
    expect(shares(3, 4)).toEqual([1, 1, 1, 0]);
    expect(shares(16, 1)).toEqual([16]);
  });

  it('merges the samples of side-by-side open loops before taking percentiles', () => {
    // 198 fast answers in one process, 2 in the other (one slow): the merge's percentiles come
    // from all 200 samples together.
    const fast = run(Array.from({ length: 198 }, () => 1));
    const slow = run([1, 50], { bad: 1, unfinished: 1, firstBad: '1 unanswered after the drain time', tags: { degraded: 2 } });
    const merged = summarizeOpenLoops([fast, slow]);
    expect(merged.offeredRps).toBe(200);
    expect(merged.sent).toBe(200);
    expect(merged.achievedRps).toBeCloseTo(198 / 2 + 2 / 2);
    expect(merged.last.max).toBe(50);
    expect(merged.last.p50).toBe(1);
    expect(merged.first.max).toBe(25);
    expect(merged.bad).toBe(1);
    expect(merged.unfinished).toBe(1);
    expect(merged.firstBad).toBe('1 unanswered after the drain time');
    expect(merged.tags).toEqual({ 'ranker-light@1': 198, degraded: 2 });
  });
});

describe('median (bench)', () => {
  it('is the middle value, or the mean of the two middle ones, whatever the order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([1.2])).toBe(1.2);
  });
});
