/** A session event after validation: what the event log stores. */
export interface SessionEvent {
  readonly eventId: string;
  readonly viewerKey: string;
  readonly itemId: string;
  readonly type: EventType;
  /** Epoch milliseconds. */
  readonly occurredAt: number;
}

export type EventType = 'VIEW' | 'CLICK' | 'ADD_TO_CART' | 'PURCHASE' | 'RATE';

export type NewSessionEvent = Omit<SessionEvent, 'eventId'>;

/** An input that broke the event contract, kept with the reason in the dead-letter stream. */
export interface DeadLetter {
  /** The raw input as received (a JSON line; adapters may truncate very long ones). */
  readonly raw: string;
  /** Stable rejection code (see src/pipeline/event-contract.ts). */
  readonly code: string;
  readonly reason: string;
  readonly viewerKey: string | null;
}

/** Totals since the log was created: every received event is counted in exactly one. */
export interface EventLogCounts {
  readonly accepted: number;
  readonly deadLettered: number;
}

/** Event log port: append-only, with a dead-letter side for events that broke the contract. */
export interface EventLog {
  /** Appends one valid event; returns the stored event id. */
  append(event: NewSessionEvent): Promise<string>;
  /** Records one rejected input with its reason. */
  deadLetter(raw: string, reason: string, viewerKey: string | null, code?: string): Promise<void>;
  /**
   * Appends a batch of valid events and dead-letters a batch of rejected ones in one round
   * trip where the adapter can; returns the ids of `accepted`, in order.
   */
  appendBatch(accepted: readonly NewSessionEvent[], rejected: readonly DeadLetter[]): Promise<string[]>;
  counts(): Promise<EventLogCounts>;
}
