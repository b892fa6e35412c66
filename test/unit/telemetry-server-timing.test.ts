import { describe, expect, it } from 'vitest';
import { formatServerTiming } from '../../src/telemetry/server-timing.ts';

describe('formatServerTiming', () => {
  it('writes names, durations in ms with two decimals, and descriptions', () => {
    expect(formatServerTiming([{ name: 'edge', durMs: 0.1234 }, { name: 'cache', desc: 'hit' }, { name: 'total', durMs: 12 }])).toBe(
      'edge;dur=0.12, cache;desc=hit, total;dur=12.00',
    );
  });

  it('quotes a description that is not a token and drops bad names', () => {
    expect(formatServerTiming([{ name: 'first', durMs: 3, desc: 'headers leave with the first part' }, { name: 'bad name', durMs: 1 }])).toBe(
      'first;dur=3.00;desc="headers leave with the first part"',
    );
  });

  it('clamps negative durations and skips non-finite ones', () => {
    expect(formatServerTiming([{ name: 'a', durMs: -1 }, { name: 'b', durMs: Number.NaN }])).toBe('a;dur=0.00, b');
  });
});
