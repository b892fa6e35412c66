import type { EventType } from '../ports/event-log.ts';
import type { SessionState } from '../ports/session-store.ts';
import { normalized } from './vectors.ts';

/** How much each kind of event says about taste. */
export const EVENT_WEIGHTS: Readonly<Record<EventType, number>> = {
  VIEW: 0.5,
  CLICK: 1,
  RATE: 1.5,
  ADD_TO_CART: 2,
  PURCHASE: 3,
};

/** A session's pull halves every 30 minutes without events. */
export const SESSION_HALF_LIFE_MS = 30 * 60_000;
/** Below this decayed weight the session no longer steers the feed. */
export const SESSION_MIN_WEIGHT = 0.05;
/** How many recent items a session remembers (excluded from the feed, used in explanations). */
export const SESSION_RECENT_ITEMS = 50;

function decayFactor(fromMs: number, toMs: number): number {
  return Math.pow(0.5, Math.max(0, toMs - fromMs) / SESSION_HALF_LIFE_MS);
}

/** Folds one event into the session: older evidence decays, the new item's vector is added. */
export function foldEvent(
  previous: SessionState | null,
  itemId: string,
  itemVector: Float32Array,
  type: EventType,
  atMs: number,
): SessionState {
  const weight = EVENT_WEIGHTS[type];
  const vector = new Float32Array(itemVector.length);
  let total = weight;
  if (previous) {
    // An event older than the state decays forward to the state's time instead of back.
    const now = Math.max(atMs, previous.updatedAt);
    const keep = decayFactor(previous.updatedAt, now);
    const add = weight * decayFactor(atMs, now);
    for (let i = 0; i < vector.length; i++) vector[i] = previous.vector[i]! * keep + itemVector[i]! * add;
    total = previous.weight * keep + add;
    const recent = [itemId, ...previous.recentItemIds.filter((id) => id !== itemId)].slice(0, SESSION_RECENT_ITEMS);
    return { vector, weight: total, updatedAt: now, events: previous.events + 1, recentItemIds: recent };
  }
  for (let i = 0; i < vector.length; i++) vector[i] = itemVector[i]! * weight;
  return { vector, weight: total, updatedAt: atMs, events: 1, recentItemIds: [itemId] };
}

/** The session's decayed weight now (0 without a session). */
export function sessionWeightAt(state: SessionState | null, nowMs: number): number {
  return state ? state.weight * decayFactor(state.updatedAt, nowMs) : 0;
}

/** The session's taste direction now, or null when it has decayed away. */
export function sessionDirection(state: SessionState | null, nowMs: number): Float32Array | null {
  if (sessionWeightAt(state, nowMs) < SESSION_MIN_WEIGHT) return null;
  return normalized(state!.vector);
}
