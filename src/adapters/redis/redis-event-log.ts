import type { RedisClient } from './redis-connection.ts';
import type { DeadLetter, EventLog, EventLogCounts, NewSessionEvent } from '../../ports/event-log.ts';

/** Events kept in the stream (approximate trim, `MAXLEN ~`). */
export const REDIS_EVENTS_MAXLEN = 1_000_000;
/** Dead letters kept in the dead-letter stream (approximate trim). */
export const REDIS_DEAD_LETTERS_MAXLEN = 100_000;

export interface RedisEventLogOptions {
  /** Key prefix, e.g. "pg"; keys are `{<prefix>:events}`, `{<prefix>:events}:dead`, `{<prefix>:events}:counts`. */
  readonly prefix: string;
  readonly maxLen?: number;
  readonly deadMaxLen?: number;
}

/**
 * Event log on Redis Streams. Valid events: XADD `{<prefix>:events}` with fields
 * viewer, item, type, at (epoch ms); the stream entry id is the event id. Rejected inputs:
 * XADD `{<prefix>:events}:dead` with fields raw, code, reason, viewer ("" when none), at (ms
 * of refusal). Totals are HINCRBY'd in `{<prefix>:events}:counts` (accepted, deadLettered) in
 * the same MULTI, so they survive stream trimming and always reconcile. The hash tag keeps
 * the three keys in one Cluster slot, which MULTI needs.
 */
export class RedisEventLog implements EventLog {
  readonly streamKey: string;
  readonly deadKey: string;
  readonly countsKey: string;
  private readonly maxLen: number;
  private readonly deadMaxLen: number;

  constructor(private readonly redis: RedisClient, options: RedisEventLogOptions) {
    this.streamKey = `{${options.prefix}:events}`;
    this.deadKey = `{${options.prefix}:events}:dead`;
    this.countsKey = `{${options.prefix}:events}:counts`;
    this.maxLen = options.maxLen ?? REDIS_EVENTS_MAXLEN;
    this.deadMaxLen = options.deadMaxLen ?? REDIS_DEAD_LETTERS_MAXLEN;
  }

  async append(event: NewSessionEvent): Promise<string> {
    const [id] = await this.appendBatch([event], []);
    return id!;
  }

  async deadLetter(raw: string, reason: string, viewerKey: string | null, code = 'REJECTED'): Promise<void> {
    await this.appendBatch([], [{ raw, reason, code, viewerKey }]);
  }

  async appendBatch(accepted: readonly NewSessionEvent[], rejected: readonly DeadLetter[]): Promise<string[]> {
    if (accepted.length === 0 && rejected.length === 0) return [];
    // MULTI: the entries and the counters land together or not at all.
    const tx = this.redis.multi();
    for (const e of accepted) {
      tx.xadd(this.streamKey, 'MAXLEN', '~', this.maxLen, '*', 'viewer', e.viewerKey, 'item', e.itemId, 'type', e.type, 'at', e.occurredAt);
    }
    const now = Date.now();
    for (const r of rejected) {
      tx.xadd(this.deadKey, 'MAXLEN', '~', this.deadMaxLen, '*', 'raw', r.raw, 'code', r.code, 'reason', r.reason, 'viewer', r.viewerKey ?? '', 'at', now);
    }
    if (accepted.length > 0) tx.hincrby(this.countsKey, 'accepted', accepted.length);
    if (rejected.length > 0) tx.hincrby(this.countsKey, 'deadLettered', rejected.length);
    const replies = await tx.exec();
    if (!replies) throw new Error('event log transaction was aborted');
    const ids: string[] = [];
    for (let i = 0; i < replies.length; i++) {
      const [error, value] = replies[i]!;
      if (error) throw error;
      if (i < accepted.length) ids.push(String(value));
    }
    return ids;
  }

  async counts(): Promise<EventLogCounts> {
    const raw = await this.redis.hmget(this.countsKey, 'accepted', 'deadLettered');
    return { accepted: Number(raw[0] ?? 0), deadLettered: Number(raw[1] ?? 0) };
  }
}
