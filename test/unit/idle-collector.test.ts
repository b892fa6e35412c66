import { afterEach, describe, expect, it, vi } from 'vitest';
import { startIdleCollector, type IdleCollector } from '../../src/gateway/idle-collector.ts';

describe('idle collector', () => {
  let collector: IdleCollector | undefined;
  afterEach(() => {
    collector?.stop();
    vi.useRealTimers();
  });

  it('collects once a whole interval passed without a request and the heap grew, and not again until it grows', () => {
    vi.useFakeTimers();
    let heap = 100;
    const gc = vi.fn(() => void (heap = 40));
    collector = startIdleCollector({ idleMs: 1000, minGrowthBytes: 10, gc, heapUsed: () => heap });
    heap = 300;
    collector.touch();
    vi.advanceTimersByTime(1000); // requests arrived in this interval: busy
    expect(gc).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000); // a quiet interval
    expect(gc).toHaveBeenCalledTimes(1);
    expect(collector.collections).toBe(1);
    vi.advanceTimersByTime(5000); // still quiet, but nothing new to collect
    expect(gc).toHaveBeenCalledTimes(1);
    heap = 45; // grew less than the minimum
    vi.advanceTimersByTime(2000);
    expect(gc).toHaveBeenCalledTimes(1);
  });

  it('never collects while requests keep arriving', () => {
    vi.useFakeTimers();
    const gc = vi.fn();
    collector = startIdleCollector({ idleMs: 1000, minGrowthBytes: 0, gc, heapUsed: () => 1e9 });
    for (let i = 0; i < 20; i++) {
      collector.touch();
      vi.advanceTimersByTime(500);
    }
    expect(gc).not.toHaveBeenCalled();
  });

  it('does nothing without a collector (node started without --expose-gc)', () => {
    vi.useFakeTimers();
    collector = startIdleCollector({ idleMs: 1000, minGrowthBytes: 0, heapUsed: () => 1e9 });
    vi.advanceTimersByTime(10_000);
    expect(collector.collections).toBe(0);
  });
});
