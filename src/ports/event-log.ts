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

/** Event log port: append-only; returns the stored event id. */
export interface EventLog {
  append(event: Omit<SessionEvent, 'eventId'>): Promise<string>;
}
