import { describe, expect, it } from 'vitest';
import { EVENT_MAX_AGE_MS, EVENT_MAX_FUTURE_MS, validateEvent, validateEventLine } from '../../src/pipeline/event-contract.ts';

const catalog = { has: (id: string) => id === '1' || id === '2' };
const NOW = Date.parse('2026-06-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('event contract', () => {
  it('accepts a well-formed event, occurredAt defaulting to now', () => {
    expect(validateEvent({ itemId: '1', type: 'CLICK' }, catalog, NOW)).toEqual({ ok: true, event: { itemId: '1', type: 'CLICK', occurredAt: NOW } });
    const at = NOW - 3600_000;
    expect(validateEvent({ itemId: '2', type: 'PURCHASE', occurredAt: iso(at) }, catalog, NOW)).toEqual({
      ok: true,
      event: { itemId: '2', type: 'PURCHASE', occurredAt: at },
    });
    expect(validateEvent({ itemId: '1', type: 'VIEW', occurredAt: '2026-06-01T13:00:00+02:00' }, catalog, NOW)).toMatchObject({ ok: true });
  });

  it('accepts the edges of the time window', () => {
    expect(validateEvent({ itemId: '1', type: 'RATE', occurredAt: iso(NOW - EVENT_MAX_AGE_MS) }, catalog, NOW).ok).toBe(true);
    expect(validateEvent({ itemId: '1', type: 'RATE', occurredAt: iso(NOW + EVENT_MAX_FUTURE_MS) }, catalog, NOW).ok).toBe(true);
  });

  it.each([
    ['malformed JSON', '{"itemId": "1", "type": ', 'MALFORMED_JSON', undefined],
    ['a JSON array', '[1, 2]', 'NOT_AN_OBJECT', undefined],
    ['a JSON null', 'null', 'NOT_AN_OBJECT', undefined],
    ['a JSON string', '"CLICK"', 'NOT_AN_OBJECT', undefined],
    ['an unknown field', '{"itemId":"1","type":"CLICK","userId":"7"}', 'UNKNOWN_FIELD', 'userId'],
    ['a missing itemId', '{"type":"CLICK"}', 'MISSING_FIELD', 'itemId'],
    ['a missing type', '{"itemId":"1"}', 'MISSING_FIELD', 'type'],
    ['a numeric itemId', '{"itemId":1,"type":"CLICK"}', 'WRONG_TYPE', 'itemId'],
    ['an empty itemId', '{"itemId":"","type":"CLICK"}', 'WRONG_TYPE', 'itemId'],
    ['a numeric type', '{"itemId":"1","type":3}', 'WRONG_TYPE', 'type'],
    ['an unknown type', '{"itemId":"1","type":"LIKE"}', 'UNKNOWN_EVENT_TYPE', 'type'],
    ['a lower-case type', '{"itemId":"1","type":"click"}', 'UNKNOWN_EVENT_TYPE', 'type'],
    ['a numeric occurredAt', `{"itemId":"1","type":"CLICK","occurredAt":${NOW}}`, 'WRONG_TYPE', 'occurredAt'],
    ['a null occurredAt', '{"itemId":"1","type":"CLICK","occurredAt":null}', 'WRONG_TYPE', 'occurredAt'],
    ['an unknown item', '{"itemId":"999","type":"CLICK"}', 'UNKNOWN_ITEM', 'itemId'],
    ['a date without time', '{"itemId":"1","type":"CLICK","occurredAt":"2026-06-01"}', 'BAD_TIMESTAMP', 'occurredAt'],
    ['a time without zone', '{"itemId":"1","type":"CLICK","occurredAt":"2026-06-01T11:00:00"}', 'BAD_TIMESTAMP', 'occurredAt'],
    ['an impossible date', '{"itemId":"1","type":"CLICK","occurredAt":"2026-13-45T11:00:00Z"}', 'BAD_TIMESTAMP', 'occurredAt'],
    ['a word', '{"itemId":"1","type":"CLICK","occurredAt":"yesterday"}', 'BAD_TIMESTAMP', 'occurredAt'],
    ['a far-past time', `{"itemId":"1","type":"CLICK","occurredAt":"${iso(NOW - EVENT_MAX_AGE_MS - 1000)}"}`, 'TIMESTAMP_TOO_OLD', 'occurredAt'],
    ['a far-future time', `{"itemId":"1","type":"CLICK","occurredAt":"${iso(NOW + EVENT_MAX_FUTURE_MS + 1000)}"}`, 'TIMESTAMP_IN_FUTURE', 'occurredAt'],
  ])('rejects %s with a reason', (_name, line, code, field) => {
    const verdict = validateEventLine(line, catalog, NOW);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.code).toBe(code);
    expect(verdict.reason).toEqual(expect.any(String));
    expect(verdict.reason.length).toBeGreaterThan(5);
    expect(verdict.field).toBe(field);
  });

  it('checks shape before the catalog and the catalog before the clock', () => {
    expect(validateEvent({ itemId: '999', type: 'CLICK', extra: 1 }, catalog, NOW)).toMatchObject({ code: 'UNKNOWN_FIELD' });
    expect(validateEvent({ itemId: '999', type: 'CLICK', occurredAt: 'yesterday' }, catalog, NOW)).toMatchObject({ code: 'UNKNOWN_ITEM' });
  });

  it('does not consult the catalog for absurdly long ids', () => {
    let asked = false;
    const spy = { has: () => ((asked = true), true) };
    expect(validateEvent({ itemId: 'x'.repeat(10_000), type: 'CLICK' }, spy, NOW)).toMatchObject({ code: 'UNKNOWN_ITEM' });
    expect(asked).toBe(false);
  });
});
