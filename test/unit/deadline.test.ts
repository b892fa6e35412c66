import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadline, DeadlineExceededError, raceDeadline } from '../../src/pipeline/deadline.ts';

describe('Deadline', () => {
  it('combines with min and never moves later', () => {
    const d = Deadline.after(100, 1000);
    expect(d.atMs).toBe(1100);
    expect(d.within(50, 1000).atMs).toBe(1050);
    expect(d.within(500, 1000).atMs).toBe(1100);
    expect(d.minus(30, 1000).atMs).toBe(1070);
    expect(d.minus(500, 1000).atMs).toBe(1000);
    expect(d.remainingMs(1090)).toBe(10);
    expect(d.remainingMs(2000)).toBe(0);
    expect(d.expired(1099)).toBe(false);
    expect(d.expired(1100)).toBe(true);
  });
});

describe('raceDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles with the work when it finishes first and leaves no timer behind', async () => {
    const result = raceDeadline(new Promise<string>((r) => setTimeout(() => r('done'), 10)), Deadline.after(50));
    await vi.advanceTimersByTimeAsync(10);
    await expect(result).resolves.toBe('done');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with DeadlineExceededError when the deadline passes first', async () => {
    const result = raceDeadline(new Promise<string>((r) => setTimeout(() => r('late'), 100)), Deadline.after(20));
    const assertion = expect(result).rejects.toBeInstanceOf(DeadlineExceededError);
    await vi.advanceTimersByTimeAsync(20);
    await assertion;
  });

  it('rejects at once on an expired deadline', async () => {
    const d = Deadline.after(0);
    await expect(raceDeadline(Promise.resolve(1), d)).rejects.toBeInstanceOf(DeadlineExceededError);
  });
});
