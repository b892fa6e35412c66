import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration } from '../../src/offline/progress.ts';

function capture(isTTY: boolean): { stream: { isTTY: boolean; write(s: string): boolean }; text(): string } {
  const chunks: string[] = [];
  return { stream: { isTTY, write: (s: string) => chunks.push(s) > 0 }, text: () => chunks.join('') };
}

describe('createProgress', () => {
  it('prints at most one line per 10% when the stream is not a terminal', () => {
    const out = capture(false);
    const progress = createProgress('train', out.stream);
    for (let i = 0; i <= 1000; i++) progress.update(i / 1000);
    progress.done('AUC 0.9');
    const lines = out.text().trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(out.text()).not.toContain('\r');
    expect(lines.at(-1)).toMatch(/^train \[#{24}\] 100% in .*, AUC 0\.9$/);
    expect(lines[5]).toMatch(/50%/);
  });

  it('redraws one line with \\r on a terminal', () => {
    const out = capture(true);
    const progress = createProgress('gen', out.stream);
    progress.update(0.5);
    progress.done();
    expect(out.text().startsWith('\rgen [############------------]  50%')).toBe(true);
    expect(out.text().split('\n')).toHaveLength(2);
  });

  it('prints nothing when quiet, and nothing after done', () => {
    const quiet = capture(false);
    const p = createProgress('x', quiet.stream, { quiet: true });
    p.update(0.5);
    p.done();
    expect(quiet.text()).toBe('');
    const out = capture(false);
    const q = createProgress('x', out.stream);
    q.done();
    const after = out.text();
    q.update(0.5);
    q.done();
    expect(out.text()).toBe(after);
  });

  it('formats durations', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(12_345)).toBe('12.3s');
    expect(formatDuration(245_000)).toBe('4m05s');
  });
});
