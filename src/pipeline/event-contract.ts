import type { Catalog } from '../ports/catalog.ts';
import type { EventType } from '../ports/event-log.ts';

/**
 * The data contract for session events: the one validator behind `recordEvent` and every
 * line of `POST /events`. A raw event is `{ itemId: string, type: EventType, occurredAt?: ISO
 * date-time }` and nothing else.
 */

export const EVENT_TYPES: readonly EventType[] = ['VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE', 'RATE'];
/** Events older than this are refused: they say nothing about the session now. */
export const EVENT_MAX_AGE_MS = 24 * 3600_000;
/** Client clocks run ahead a little; more than this is a broken client. */
export const EVENT_MAX_FUTURE_MS = 5 * 60_000;
/** Longest item id the contract accepts (longer ones cannot be catalog ids). */
export const EVENT_ITEM_ID_MAX_CHARS = 128;

const FIELDS = new Set(['itemId', 'type', 'occurredAt']);
// ISO-8601 with a date, a time and a zone; Date.parse alone accepts too many shapes.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Why an event broke the contract: stable codes, sent per event and kept in the dead-letter stream. */
export type EventRejectionCode =
  | 'MALFORMED_JSON'
  | 'NOT_AN_OBJECT'
  | 'UNKNOWN_FIELD'
  | 'MISSING_FIELD'
  | 'WRONG_TYPE'
  | 'UNKNOWN_EVENT_TYPE'
  | 'UNKNOWN_ITEM'
  | 'BAD_TIMESTAMP'
  | 'TIMESTAMP_TOO_OLD'
  | 'TIMESTAMP_IN_FUTURE';

/** An event that kept the contract; `occurredAt` in epoch milliseconds (now when absent). */
export interface ValidEvent {
  readonly itemId: string;
  readonly type: EventType;
  readonly occurredAt: number;
}

export interface EventRejection {
  readonly ok: false;
  readonly code: EventRejectionCode;
  readonly reason: string;
  /** The offending field, when one is to blame. */
  readonly field?: string;
}

export type EventVerdict = { readonly ok: true; readonly event: ValidEvent } | EventRejection;

function reject(code: EventRejectionCode, reason: string, field?: string): EventRejection {
  return field === undefined ? { ok: false, code, reason } : { ok: false, code, reason, field };
}

/**
 * Checks one decoded event against the contract: shape first (unknown and missing fields,
 * types), then the catalog, then the time window. Pure apart from `catalog.has`.
 */
export function validateEvent(raw: unknown, catalog: Pick<Catalog, 'has'>, nowMs: number): EventVerdict {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return reject('NOT_AN_OBJECT', 'an event must be a JSON object');
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!FIELDS.has(key)) return reject('UNKNOWN_FIELD', `unknown field ${JSON.stringify(key)}; an event has itemId, type and occurredAt`, key);
  }
  const { itemId, type, occurredAt } = record;
  if (itemId === undefined) return reject('MISSING_FIELD', 'itemId is required', 'itemId');
  if (typeof itemId !== 'string' || itemId === '') return reject('WRONG_TYPE', 'itemId must be a non-empty string', 'itemId');
  if (type === undefined) return reject('MISSING_FIELD', 'type is required', 'type');
  if (typeof type !== 'string') return reject('WRONG_TYPE', 'type must be a string', 'type');
  if (!(EVENT_TYPES as readonly string[]).includes(type)) {
    return reject('UNKNOWN_EVENT_TYPE', `type must be one of ${EVENT_TYPES.join(', ')}`, 'type');
  }
  if (occurredAt !== undefined && typeof occurredAt !== 'string') {
    return reject('WRONG_TYPE', 'occurredAt must be an ISO-8601 date-time string', 'occurredAt');
  }
  if (itemId.length > EVENT_ITEM_ID_MAX_CHARS || !catalog.has(itemId)) {
    return reject('UNKNOWN_ITEM', `no item has id ${JSON.stringify(itemId.slice(0, EVENT_ITEM_ID_MAX_CHARS))}`, 'itemId');
  }
  const at = occurredAt === undefined ? nowMs : parseOccurredAt(occurredAt, nowMs);
  if (typeof at !== 'number') return at;
  return { ok: true, event: { itemId, type: type as EventType, occurredAt: at } };
}

/** Decodes and checks one NDJSON line. */
export function validateEventLine(line: string, catalog: Pick<Catalog, 'has'>, nowMs: number): EventVerdict {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return reject('MALFORMED_JSON', 'the line is not valid JSON');
  }
  return validateEvent(raw, catalog, nowMs);
}

function parseOccurredAt(raw: string, nowMs: number): number | EventRejection {
  if (!ISO_DATE_TIME.test(raw)) {
    return reject('BAD_TIMESTAMP', 'occurredAt must be an ISO-8601 date-time with a time zone, e.g. 2026-01-31T12:00:00Z', 'occurredAt');
  }
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return reject('BAD_TIMESTAMP', 'occurredAt is not a valid date-time', 'occurredAt');
  if (at > nowMs + EVENT_MAX_FUTURE_MS) return reject('TIMESTAMP_IN_FUTURE', 'occurredAt is more than 5 minutes in the future', 'occurredAt');
  if (at < nowMs - EVENT_MAX_AGE_MS) return reject('TIMESTAMP_TOO_OLD', 'occurredAt is more than 24 hours old', 'occurredAt');
  return at;
}
