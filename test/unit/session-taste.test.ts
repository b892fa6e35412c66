import { describe, expect, it } from 'vitest';
import { foldEvent, SESSION_HALF_LIFE_MS, sessionDirection } from '../../src/pipeline/session-taste.ts';
import { dot } from '../../src/pipeline/vectors.ts';

const a = Float32Array.from([1, 0, 0]);
const b = Float32Array.from([0, 1, 0]);

describe('session taste', () => {
  it('points at the only item touched', () => {
    const s = foldEvent(null, 'a', a, 'CLICK', 0);
    expect(Array.from(sessionDirection(s, 0)!)).toEqual([1, 0, 0]);
  });

  it('weights a purchase over a view', () => {
    const s = foldEvent(foldEvent(null, 'a', a, 'VIEW', 0), 'b', b, 'PURCHASE', 0);
    const dir = sessionDirection(s, 0)!;
    expect(dot(dir, b)).toBeGreaterThan(dot(dir, a));
    expect(s.recentItemIds).toEqual(['b', 'a']);
  });

  it('lets old evidence decay: a later click outweighs an equal earlier one', () => {
    const s = foldEvent(foldEvent(null, 'a', a, 'CLICK', 0), 'b', b, 'CLICK', SESSION_HALF_LIFE_MS);
    const dir = sessionDirection(s, SESSION_HALF_LIFE_MS)!;
    expect(dot(dir, b) / dot(dir, a)).toBeCloseTo(2, 5);
  });

  it('forgets a session after many half-lives', () => {
    const s = foldEvent(null, 'a', a, 'CLICK', 0);
    expect(sessionDirection(s, 10 * SESSION_HALF_LIFE_MS)).toBeNull();
  });
});
