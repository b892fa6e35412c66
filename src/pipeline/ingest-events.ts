import type { DeadLetter, NewSessionEvent } from '../ports/event-log.ts';
import type { ItemFeatures } from '../ports/feature-store.ts';
import type { SessionState } from '../ports/session-store.ts';
import { validateEventLine, type EventRejectionCode } from './event-contract.ts';
import { updateSession } from './record-event.ts';
import type { PipelineServices } from './services.ts';
import { EVENT_WEIGHTS, foldEvent } from './session-taste.ts';

/** Per-line results returned at most (the counts always cover every line). */
export const INGEST_RESULTS_MAX = 10_000;
/** A dead letter keeps at most this much of the raw line. */
export const DEAD_LETTER_RAW_MAX_CHARS = 4096;

export interface IngestLineResult {
  /** 1-based line number in the body (blank lines are skipped but still numbered). */
  readonly line: number;
  readonly accepted: boolean;
  readonly eventId?: string;
  readonly code?: EventRejectionCode;
  readonly reason?: string;
}

export interface IngestResult {
  /** Non-blank lines. Always accepted + deadLettered. */
  readonly received: number;
  readonly accepted: number;
  readonly deadLettered: number;
  /** In line order, at most INGEST_RESULTS_MAX. */
  readonly results: IngestLineResult[];
  readonly resultsTruncated: boolean;
}

type LineVerdict =
  | { line: number; raw: string; ok: true; event: NewSessionEvent }
  | { line: number; raw: string; ok: false; code: EventRejectionCode; reason: string };

/**
 * Ingests an NDJSON batch of one viewer's events: validates each line with the event
 * contract, appends the valid ones and dead-letters the rest (one `appendBatch`), folds the
 * valid ones into the viewer's session (one update) and counts them for trending.
 * Runs per `POST /events`; the caller has resolved the viewer.
 */
export async function ingestEvents(
  viewerKey: string,
  body: string,
  services: Pick<PipelineServices, 'catalog' | 'events' | 'sessions' | 'trending' | 'featureStore'>,
  nowMs: number = Date.now(),
): Promise<IngestResult> {
  const verdicts: LineVerdict[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (raw.trim() === '') continue;
    const verdict = validateEventLine(raw, services.catalog, nowMs);
    verdicts.push(
      verdict.ok
        ? { line: i + 1, raw, ok: true, event: { viewerKey, ...verdict.event } }
        : { line: i + 1, raw, ok: false, code: verdict.code, reason: verdict.reason },
    );
  }

  // The catalog can know an item the feature store lacks: such events cannot steer a session.
  const itemIds = [...new Set(verdicts.flatMap((v) => (v.ok ? [v.event.itemId] : [])))];
  const features = new Map<string, ItemFeatures>();
  const rows = await services.featureStore.getItemFeatures(itemIds);
  itemIds.forEach((id, i) => {
    const row = rows[i];
    if (row) features.set(id, row);
  });
  for (let i = 0; i < verdicts.length; i++) {
    const v = verdicts[i]!;
    if (v.ok && !features.has(v.event.itemId)) {
      verdicts[i] = { line: v.line, raw: v.raw, ok: false, code: 'UNKNOWN_ITEM', reason: `item ${v.event.itemId} has no features` };
    }
  }

  const accepted: NewSessionEvent[] = [];
  const rejected: DeadLetter[] = [];
  for (const v of verdicts) {
    if (v.ok) accepted.push(v.event);
    else rejected.push({ raw: v.raw.slice(0, DEAD_LETTER_RAW_MAX_CHARS), code: v.code, reason: v.reason, viewerKey });
  }
  const ids = await services.events.appendBatch(accepted, rejected);

  if (accepted.length > 0) {
    await updateSession(services.sessions, viewerKey, (previous) => {
      let state: SessionState | null = previous;
      for (const e of accepted) state = foldEvent(state, e.itemId, features.get(e.itemId)!.vector, e.type, e.occurredAt);
      return state!;
    });
    // Counts are linear in weight: events on one item at one instant go in as one record.
    const trending = new Map<string, { itemId: string; at: number; weight: number }>();
    for (const e of accepted) {
      const key = `${e.occurredAt}\u0000${e.itemId}`;
      const entry = trending.get(key);
      if (entry) entry.weight += EVENT_WEIGHTS[e.type];
      else trending.set(key, { itemId: e.itemId, at: e.occurredAt, weight: EVENT_WEIGHTS[e.type] });
    }
    await Promise.all([...trending.values()].map((t) => services.trending.record(t.itemId, t.weight, t.at)));
  }

  const results: IngestLineResult[] = [];
  let next = 0;
  for (const v of verdicts.slice(0, INGEST_RESULTS_MAX)) {
    if (v.ok) results.push({ line: v.line, accepted: true, eventId: ids[next++]! });
    else results.push({ line: v.line, accepted: false, code: v.code, reason: v.reason });
  }
  return {
    received: verdicts.length,
    accepted: accepted.length,
    deadLettered: rejected.length,
    results,
    resultsTruncated: verdicts.length > INGEST_RESULTS_MAX,
  };
}
