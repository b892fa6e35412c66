import { describe, expect, it } from 'vitest';
import { isSaneRequestId, newRequestId, requestIdFrom, REQUEST_ID_MAX_CHARS } from '../../src/telemetry/request-id.ts';

describe('request ids', () => {
  it('keeps a sane incoming id', () => {
    expect(requestIdFrom('abc-123_X.y:z')).toBe('abc-123_X.y:z');
    expect(requestIdFrom(['first-id', 'second'])).toBe('first-id');
  });

  it.each([undefined, '', 'has space', 'quote"', 'new\nline', 'x'.repeat(REQUEST_ID_MAX_CHARS + 1), 'ünicode'])('replaces %j', (value) => {
    expect(isSaneRequestId(value)).toBe(false);
    const id = requestIdFrom(value);
    expect(id).not.toBe(value);
    expect(isSaneRequestId(id)).toBe(true);
  });

  it('generates short distinct ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newRequestId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(16);
  });
});
