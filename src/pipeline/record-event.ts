import type { SessionEventInput } from '../gateway/generated/resolvers-types.ts';
import type { Viewer } from '../gateway/identity.ts';
import { gatewayError } from '../errors.ts';
import type { RequestLoaders } from './loaders.ts';
import type { PipelineServices } from './services.ts';
import { EVENT_WEIGHTS, foldEvent } from './session-taste.ts';

/** Events older than this are refused: they say nothing about the session now. */
export const EVENT_MAX_AGE_MS = 24 * 3600_000;
/** Client clocks run ahead a little; more than this is a broken client. */
export const EVENT_MAX_FUTURE_MS = 5 * 60_000;

/**
 * Validates one session event, appends it to the event log, folds it into the viewer's
 * session vector and counts it for trending. Runs for `recordEvent`; throws coded errors.
 */
export async function recordSessionEvent(
  viewer: Viewer,
  input: SessionEventInput,
  services: Pick<PipelineServices, 'catalog' | 'events' | 'sessions' | 'trending'>,
  loaders: Pick<RequestLoaders, 'itemFeatures'>,
  nowMs: number = Date.now(),
): Promise<{ eventId: string }> {
  if (!viewer.key) {
    throw gatewayError('UNAUTHENTICATED', 'recordEvent needs a viewer: a signed-in user or an x-session-id');
  }
  if (!services.catalog.has(input.itemId)) {
    throw gatewayError('ITEM_NOT_FOUND', `no item has id ${JSON.stringify(input.itemId)}`, { itemId: input.itemId });
  }
  const occurredAt = parseOccurredAt(input.occurredAt ?? null, nowMs);
  const features = await loaders.itemFeatures.load(input.itemId);
  if (!features) throw gatewayError('ITEM_NOT_FOUND', `item ${input.itemId} has no features`, { itemId: input.itemId });

  const eventId = await services.events.append({ viewerKey: viewer.key, itemId: input.itemId, type: input.type, occurredAt });
  const previous = await services.sessions.get(viewer.key);
  await services.sessions.put(viewer.key, foldEvent(previous, input.itemId, features.vector, input.type, occurredAt));
  await services.trending.record(input.itemId, EVENT_WEIGHTS[input.type], occurredAt);
  return { eventId };
}

function parseOccurredAt(raw: string | null, nowMs: number): number {
  if (raw === null) return nowMs;
  // ISO-8601 with a date and a time; Date.parse alone accepts too many shapes.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(raw)) {
    throw gatewayError('BAD_USER_INPUT', 'occurredAt must be an ISO-8601 date-time with a time zone, e.g. 2026-01-31T12:00:00Z', { field: 'occurredAt' });
  }
  const at = Date.parse(raw);
  if (Number.isNaN(at)) throw gatewayError('BAD_USER_INPUT', 'occurredAt is not a valid date-time', { field: 'occurredAt' });
  if (at > nowMs + EVENT_MAX_FUTURE_MS) throw gatewayError('BAD_USER_INPUT', 'occurredAt is in the future', { field: 'occurredAt' });
  if (at < nowMs - EVENT_MAX_AGE_MS) throw gatewayError('BAD_USER_INPUT', 'occurredAt is more than 24 hours old', { field: 'occurredAt' });
  return at;
}
