import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { settleHeap } from '../../src/runtime/settle-heap.ts';

describe('settleHeap', () => {
  it('collects garbage left by start without exposing gc to the application', () => {
    const hadGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
    // ~40 MB of objects that die at once, as a parsed artifacts file does.
    let garbage: Array<{ id: number; title: string }> | null = Array.from({ length: 400_000 }, (_, i) => ({ id: i, title: `item ${i} ${'x'.repeat(40)}` }));
    expect(garbage.length).toBe(400_000);
    garbage = null;
    const settled = settleHeap();
    expect(settled.beforeMiB - settled.afterMiB).toBeGreaterThan(20);
    expect(settled.ms).toBeGreaterThan(0);
    expect(typeof (globalThis as { gc?: unknown }).gc === 'function').toBe(hadGc);
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});
