import { hash } from 'node:crypto';
import type { RedisClient } from '../../adapters/redis/redis-connection.ts';

/**
 * A cached answer as the edge writes it: the JSON text of `{"data": ...}` (answers with errors
 * are never stored), a strong validator of that text, and when it goes stale.
 */
export interface StoredResponse {
  readonly json: string;
  /** Quoted, as the ETag header carries it. */
  readonly etag: string;
  /**
   * Epoch ms at which the entry's TTL ends. A store keeps it `staleMs` longer, for the cache to
   * serve while one request refreshes it; never past an invalidation (that changes the key).
   */
  readonly freshUntil: number;
}

/** Where answers are kept: the edge reads it, the response-cache plugin fills it. */
export interface ResponseStore {
  /** The entry, fresh or stale (see `freshUntil`), or null. */
  get(key: string): Promise<StoredResponse | null>;
  set(key: string, json: string, ttlMs: number): Promise<StoredResponse>;
}

export function storedResponse(json: string, freshUntil: number): StoredResponse {
  // SHA-1 here is a content validator, not a security boundary; computed once per store.
  return { json, etag: `"${hash('sha1', json, 'base64url')}"`, freshUntil };
}

interface MemoryEntry {
  readonly response: StoredResponse;
  /** Past this the entry is dropped: its freshUntil plus the stale window. */
  readonly keepUntil: number;
}

/**
 * An LRU in this process: a Map in recency order (a read moves the entry to the back), the
 * oldest dropped past `maxEntries`; entries are kept `staleMs` past their TTL and dropped
 * when read after that.
 */
export class MemoryResponseStore implements ResponseStore {
  private readonly entries = new Map<string, MemoryEntry>();

  constructor(
    private readonly maxEntries: number,
    private readonly staleMs = 0,
    private readonly now: () => number = Date.now,
  ) {}

  /** Synchronous read for the edge's hit path (no promise, no allocation on a miss). */
  peek(key: string): StoredResponse | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    this.entries.delete(key);
    if (entry.keepUntil <= this.now()) return null;
    this.entries.set(key, entry);
    return entry.response;
  }

  async get(key: string): Promise<StoredResponse | null> {
    return this.peek(key);
  }

  /** Keeps an answer already made (e.g. read from Redis) until `keepUntil`. */
  keep(key: string, response: StoredResponse, keepUntil: number): void {
    this.entries.delete(key);
    this.entries.set(key, { response, keepUntil });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  async set(key: string, json: string, ttlMs: number): Promise<StoredResponse> {
    const response = storedResponse(json, this.now() + ttlMs);
    this.keep(key, response, response.freshUntil + this.staleMs);
    return response;
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Milliseconds a Redis entry read or written here counts as fresh in the local LRU before
 * Redis is asked again. The key carries the viewer's generation, so an invalidation (by any
 * gateway) already makes the copy unreachable; the bound is for another gateway's refresh of
 * an expired entry.
 */
export const LOCAL_COPY_MS = 1_000;

/**
 * Redis shared by every gateway, behind a small LRU in this process. Values are
 * `<freshUntil>\n<etag>\n<json>` under the key, kept the TTL plus the stale window (SET ... PX).
 * When Redis cannot be read, a local copy still in its stale window is served stale.
 */
export class RedisResponseStore implements ResponseStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly local: MemoryResponseStore,
    private readonly staleMs = 0,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<StoredResponse | null> {
    const near = this.local.peek(key);
    const now = this.now();
    if (near && near.freshUntil > now) return near;
    let raw: string | null;
    try {
      raw = await this.redis.get(key);
    } catch (error) {
      // Redis is down or slow: a copy within its stale window beats running uncached.
      if (near) return { ...near, freshUntil: Math.min(near.freshUntil, now) };
      throw error;
    }
    if (raw === null) return null;
    const response = parseStored(raw, now);
    this.keepLocally(key, response, now);
    return response;
  }

  async set(key: string, json: string, ttlMs: number): Promise<StoredResponse> {
    const response = storedResponse(json, this.now() + ttlMs);
    await this.redis.set(key, `${response.freshUntil}\n${response.etag}\n${json}`, 'PX', ttlMs + this.staleMs);
    this.keepLocally(key, response, this.now());
    return response;
  }

  /** The local copy counts as fresh for at most LOCAL_COPY_MS, then Redis is read again. */
  private keepLocally(key: string, response: StoredResponse, now: number): void {
    const freshUntil = Math.min(response.freshUntil, now + LOCAL_COPY_MS);
    this.local.keep(key, freshUntil === response.freshUntil ? response : { ...response, freshUntil }, freshUntil + this.staleMs);
  }
}

/**
 * A Redis value: `<freshUntil>\n<etag>\n<json>`. The earlier framing `<etag>\n<json>` (no
 * stale window: fresh for as long as Redis keeps it) and values without framing (written by
 * something else: given a fresh validator) are read too.
 */
function parseStored(raw: string, now: number): StoredResponse {
  const first = raw.indexOf('\n');
  const second = first > 0 ? raw.indexOf('\n', first + 1) : -1;
  const freshUntil = second > 0 ? Number(raw.slice(0, first)) : NaN;
  if (Number.isFinite(freshUntil) && raw.startsWith('"', first + 1)) {
    return { freshUntil, etag: raw.slice(first + 1, second), json: raw.slice(second + 1) };
  }
  const freshForAsLongAsKept = now + LOCAL_COPY_MS;
  if (first > 0 && raw.startsWith('"')) return { freshUntil: freshForAsLongAsKept, etag: raw.slice(0, first), json: raw.slice(first + 1) };
  return storedResponse(raw, freshForAsLongAsKept);
}
