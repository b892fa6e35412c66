import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../../adapters/redis/redis-connection.ts';

/**
 * Per-viewer cache generations: the current generation is part of every cache key of that
 * viewer, so invalidating a viewer is replacing one value (O(1), no scan, no key list). The
 * entries under the old generation are never read again and expire by their own TTL.
 *
 * A generation is a random token, not a counter: when a generation record expires (it lives
 * `recordTtlMs`, longer than any entry) and a later event writes a new one, the new token can
 * never equal one that older, still-living entries carry.
 */
export interface ViewerGenerations {
  /** The viewer's current generation ("0" before their first invalidation). */
  current(viewerKey: string): Promise<string>;
  /** Moves the viewer to a new generation: their earlier entries are unreachable from now on. */
  bump(viewerKey: string): Promise<void>;
}

function newToken(): string {
  return randomBytes(8).toString('base64url');
}

/** Generations in this process (the embedded default). Records older than `recordTtlMs` are pruned. */
export class MemoryGenerations implements ViewerGenerations {
  private readonly records = new Map<string, { token: string; at: number }>();

  constructor(private readonly recordTtlMs: number, private readonly now: () => number = Date.now) {}

  async current(viewerKey: string): Promise<string> {
    const record = this.records.get(viewerKey);
    if (!record || this.now() - record.at > this.recordTtlMs) return '0';
    return record.token;
  }

  async bump(viewerKey: string): Promise<void> {
    const now = this.now();
    this.records.delete(viewerKey);
    this.records.set(viewerKey, { token: newToken(), at: now });
    // Insertion order is bump order: drop expired records from the front.
    for (const [key, record] of this.records) {
      if (now - record.at <= this.recordTtlMs) break;
      this.records.delete(key);
    }
  }

  get size(): number {
    return this.records.size;
  }
}

/**
 * Generations in Redis: one string key per viewer that ever recorded an event,
 * `<prefix>:rc:gen:<viewer>`, written with SET ... PX (one command per event) and read with
 * GET (one command per cacheable request).
 */
export class RedisGenerations implements ViewerGenerations {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly recordTtlMs: number,
  ) {}

  key(viewerKey: string): string {
    return `${this.prefix}:rc:gen:${encodeURIComponent(viewerKey)}`;
  }

  async current(viewerKey: string): Promise<string> {
    return (await this.client.get(this.key(viewerKey))) ?? '0';
  }

  async bump(viewerKey: string): Promise<void> {
    await this.client.set(this.key(viewerKey), newToken(), 'PX', this.recordTtlMs);
  }
}
