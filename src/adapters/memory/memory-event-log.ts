import { randomUUID } from 'node:crypto';
import type { DeadLetter, EventLog, EventLogCounts, NewSessionEvent, SessionEvent } from '../../ports/event-log.ts';

/** Events kept in memory; older ones are dropped (the durable log is Redis Streams). */
export const MEMORY_EVENT_LOG_MAX = 100_000;
/** Dead letters kept in memory; older ones are dropped (counts keep counting). */
export const MEMORY_DEAD_LETTERS_MAX = 10_000;

/** A dead letter as kept: the input, why, and when it was refused. */
export interface StoredDeadLetter extends DeadLetter {
  readonly at: number;
}

/**
 * In-memory, bounded event log with a bounded dead-letter queue: the embedded default. Keeps
 * the last `maxEvents` events and `maxDeadLetters` dead letters (trimmed in steps of a tenth);
 * the counts cover everything since creation.
 */
export class MemoryEventLog implements EventLog {
  private readonly events: SessionEvent[] = [];
  private readonly dead: StoredDeadLetter[] = [];
  private accepted = 0;
  private deadLettered = 0;

  constructor(
    private readonly maxEvents: number = MEMORY_EVENT_LOG_MAX,
    private readonly maxDeadLetters: number = MEMORY_DEAD_LETTERS_MAX,
  ) {}

  async append(event: NewSessionEvent): Promise<string> {
    const stored: SessionEvent = { ...event, eventId: randomUUID() };
    this.events.push(stored);
    this.accepted++;
    // Trim in steps of a tenth: one splice per many appends instead of one per append.
    if (this.events.length > this.maxEvents + Math.ceil(this.maxEvents / 10)) this.events.splice(0, this.events.length - this.maxEvents);
    return stored.eventId;
  }

  async deadLetter(raw: string, reason: string, viewerKey: string | null, code = 'REJECTED'): Promise<void> {
    this.dead.push({ raw, reason, code, viewerKey, at: Date.now() });
    this.deadLettered++;
    if (this.dead.length > this.maxDeadLetters + Math.ceil(this.maxDeadLetters / 10)) this.dead.splice(0, this.dead.length - this.maxDeadLetters);
  }

  async appendBatch(accepted: readonly NewSessionEvent[], rejected: readonly DeadLetter[]): Promise<string[]> {
    const ids: string[] = [];
    for (const event of accepted) ids.push(await this.append(event));
    for (const r of rejected) await this.deadLetter(r.raw, r.reason, r.viewerKey, r.code);
    return ids;
  }

  async counts(): Promise<EventLogCounts> {
    return { accepted: this.accepted, deadLettered: this.deadLettered };
  }

  /** Most recent last (at most the last maxEvents). For tests and diagnostics. */
  recent(n: number): readonly SessionEvent[] {
    return this.events.slice(-Math.min(n, this.maxEvents));
  }

  /** Most recent dead letters last (at most the last maxDeadLetters). For tests and diagnostics. */
  recentDeadLetters(n: number): readonly StoredDeadLetter[] {
    return this.dead.slice(-Math.min(n, this.maxDeadLetters));
  }

  /** Events kept (at most maxEvents). */
  get length(): number {
    return Math.min(this.events.length, this.maxEvents);
  }
}
