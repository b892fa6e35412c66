import { randomUUID } from 'node:crypto';
import type { EventLog, SessionEvent } from '../../ports/event-log.ts';

/** Events kept in memory; older ones are dropped (the durable log is Redis Streams). */
export const MEMORY_EVENT_LOG_MAX = 100_000;

/** In-memory, bounded event log: the embedded default. */
export class MemoryEventLog implements EventLog {
  private readonly events: SessionEvent[] = [];

  constructor(private readonly maxEvents: number = MEMORY_EVENT_LOG_MAX) {}

  async append(event: Omit<SessionEvent, 'eventId'>): Promise<string> {
    const stored: SessionEvent = { ...event, eventId: randomUUID() };
    this.events.push(stored);
    if (this.events.length > this.maxEvents) this.events.splice(0, this.events.length - this.maxEvents);
    return stored.eventId;
  }

  /** Most recent last. For tests and diagnostics. */
  recent(n: number): readonly SessionEvent[] {
    return this.events.slice(-n);
  }

  get length(): number {
    return this.events.length;
  }
}
