import { hash } from 'node:crypto';
import type { RedisClient } from '../../adapters/redis/redis-connection.ts';

/**
 * A cached answer as the edge writes it: the JSON text of `{"data": ...}` (answers with errors
 * are never stored) and a strong validator of that text.
 */
export interface StoredResponse {
  readonly json: string;
  /** Quoted, as the ETag header carries it. */
  readonly etag: string;
}

/** Where answers are kept: the edge reads it, the response-cache plugin fills it. */
export interface ResponseStore {
  get(key: string): Promise<StoredResponse | null>;
  set(key: string, json: string, ttlMs: number): Promise<StoredResponse>;
}

export function storedResponse(json: string): StoredResponse {
  // SHA-1 here is a content validator, not a security boundary; computed once per store.
  return { json, etag: `"${hash('sha1', json, 'base64url')}"` };
}

interface MemoryEntry {
  readonly response: StoredResponse;
  readonly expiresAt: number;
}

/**
 * An LRU in this process: a Map in recency order (a read moves the entry to the back), the
 * oldest dropped past `maxEntries`; expired entries are dropped when read.
 */
export class MemoryResponseStore implements ResponseStore {
  private readonly entries = new Map<string, MemoryEntry>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Synchronous read for the edge's hit path (no promise, no allocation on a miss). */
  peek(key: string): StoredResponse | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return null;
    this.entries.set(key, entry);
    return entry.response;
  }

  async get(key: string): Promise<StoredResponse | null> {
    return this.peek(key);
  }

  /** Keeps an answer already made (e.g. read from Redis) until `expiresAt`. */
  keep(key: string, response: StoredResponse, expiresAt: number): void {
    this.entries.delete(key);
    this.entries.set(key, { response, expiresAt });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  async set(key: string, json: string, ttlMs: number): Promise<StoredResponse> {
    const response = storedResponse(json);
    this.keep(key, response, this.now() + ttlMs);
    return response;
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Milliseconds a Redis hit is kept in the local LRU. The key carries the viewer's generation,
 * so an invalidation (by any gateway) already makes the copy unreachable; the bound is for
 * the entry's own TTL, which a GET does not return.
 */
export const LOCAL_COPY_MS = 1_000;

/**
 * Redis shared by every gateway, behind a small LRU in this process. Values are
 * `<etag>\n<json>` under the key with the entry's TTL (SET ... PX).
 */
export class RedisResponseStore implements ResponseStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly local: MemoryResponseStore,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<StoredResponse | null> {
    const near = this.local.peek(key);
    if (near) return near;
    const raw = await this.redis.get(key);
    if (raw === null) return null;
    const newline = raw.indexOf('\n');
    // A value without our framing (written by something else) is served with a fresh validator.
    const response = newline > 0 && raw.startsWith('"') ? { etag: raw.slice(0, newline), json: raw.slice(newline + 1) } : storedResponse(raw);
    this.local.keep(key, response, this.now() + LOCAL_COPY_MS);
    return response;
  }

  async set(key: string, json: string, ttlMs: number): Promise<StoredResponse> {
    const response = storedResponse(json);
    await this.redis.set(key, `${response.etag}\n${json}`, 'PX', ttlMs);
    this.local.keep(key, response, this.now() + Math.min(ttlMs, LOCAL_COPY_MS));
    return response;
  }
}
