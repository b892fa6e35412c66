import type { SessionEventInput } from '../gateway/generated/resolvers-types.ts';
import type { Viewer } from '../gateway/identity.ts';
import { gatewayError } from '../errors.ts';
import type { SessionState, SessionStore } from '../ports/session-store.ts';
import { validateEvent } from './event-contract.ts';
import type { RequestLoaders } from './loaders.ts';
import type { PipelineServices } from './services.ts';
import { EVENT_WEIGHTS, foldEvent } from './session-taste.ts';

export { EVENT_MAX_AGE_MS, EVENT_MAX_FUTURE_MS } from './event-contract.ts';

/**
 * A session store that can apply a read-modify-write to one viewer atomically (the Redis
 * adapter: optimistic compare-and-set). Stores without it fall back to get + put.
 */
export interface AtomicSessionUpdate {
  update(viewerKey: string, fold: (previous: SessionState | null) => SessionState): Promise<SessionState>;
}

/** Applies `fold` to the viewer's session: atomically where the store can, else get + put. */
export async function updateSession(
  store: SessionStore,
  viewerKey: string,
  fold: (previous: SessionState | null) => SessionState,
): Promise<SessionState> {
  const atomic = store as SessionStore & Partial<AtomicSessionUpdate>;
  if (typeof atomic.update === 'function') return atomic.update(viewerKey, fold);
  const next = fold(await store.get(viewerKey));
  await store.put(viewerKey, next);
  return next;
}

/**
 * Validates one session event (the data contract), appends it to the event log, folds it
 * into the viewer's session vector and counts it for trending. Runs for `recordEvent`;
 * throws coded errors.
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
  const raw = { itemId: input.itemId, type: input.type, ...(input.occurredAt != null ? { occurredAt: input.occurredAt } : {}) };
  const verdict = validateEvent(raw, services.catalog, nowMs);
  if (!verdict.ok) {
    if (verdict.code === 'UNKNOWN_ITEM') throw gatewayError('ITEM_NOT_FOUND', verdict.reason, { itemId: input.itemId });
    throw gatewayError('BAD_USER_INPUT', verdict.reason, { field: verdict.field ?? null, reason: verdict.code });
  }
  const { itemId, type, occurredAt } = verdict.event;
  const features = await loaders.itemFeatures.load(itemId);
  if (!features) throw gatewayError('ITEM_NOT_FOUND', `item ${itemId} has no features`, { itemId });

  const eventId = await services.events.append({ viewerKey: viewer.key, itemId, type, occurredAt });
  await updateSession(services.sessions, viewer.key, (previous) => foldEvent(previous, itemId, features.vector, type, occurredAt));
  await services.trending.record(itemId, EVENT_WEIGHTS[type], occurredAt);
  return { eventId };
}
