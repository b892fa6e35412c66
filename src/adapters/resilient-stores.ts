import type { Catalog, CatalogItem } from '../ports/catalog.ts';
import type { DeadLetter, EventLog, EventLogCounts, NewSessionEvent } from '../ports/event-log.ts';
import type { FeatureStore, ItemFeatureColumns, ItemFeatures, ScoredItemId, UserFeatures } from '../ports/feature-store.ts';
import { readItemFeatureColumns } from '../pipeline/item-feature-columns.ts';
import type { SessionState, SessionStore } from '../ports/session-store.ts';
import type { TrendingSource } from '../ports/trending.ts';
import type { StoreBreaker } from './resilient-breaker.ts';

/*
 * Decorators that keep the gateway answering while Redis is unreachable. Each implements the
 * same port as the Redis adapter it wraps and sends every call through one shared
 * StoreBreaker (short timeout, opens after consecutive failures). Where an in-process copy
 * exists (features, catalog, trending) it answers instead; elsewhere the call rejects with the coded
 * BACKEND_UNAVAILABLE error, which the pipeline turns into a degraded answer.
 */

/**
 * Feature store: while Redis cannot answer, the artifacts folder the gateway loaded (the same
 * version the loader put in Redis, checked at start) answers instead, so a known user still
 * gets candidates from the local index. The session is what is lost; its failure marks the
 * answer degraded.
 */
export class ResilientFeatureStore implements FeatureStore {
  constructor(
    private readonly primary: FeatureStore,
    private readonly fallback: FeatureStore,
    private readonly breaker: StoreBreaker,
  ) {}

  get dimension(): number {
    return this.primary.dimension;
  }

  get genres(): readonly string[] {
    return this.primary.genres;
  }

  getUserFeatures(userIds: readonly string[]): Promise<(UserFeatures | null)[]> {
    return this.orFallback('user features', (store) => store.getUserFeatures(userIds));
  }

  getItemFeatures(itemIds: readonly string[]): Promise<(ItemFeatures | null)[]> {
    return this.orFallback('item features', (store) => store.getItemFeatures(itemIds));
  }

  getItemFeatureColumns(itemIds: readonly string[], rowHints?: ArrayLike<number>): Promise<ItemFeatureColumns> {
    return this.orFallback('item features', (store) => readItemFeatureColumns(store, itemIds, rowHints));
  }

  getPrecomputed(userId: string): Promise<readonly ScoredItemId[] | null> {
    return this.orFallback('precomputed lists', (store) => store.getPrecomputed(userId));
  }

  private async orFallback<T>(what: string, read: (store: FeatureStore) => Promise<T>): Promise<T> {
    try {
      return await this.breaker.run(what, () => read(this.primary));
    } catch {
      return read(this.fallback);
    }
  }
}

/** Catalog: the artifacts' catalog held in process answers when Redis cannot. */
export class ResilientCatalog implements Catalog {
  constructor(private readonly primary: Catalog, private readonly fallback: Catalog, private readonly breaker: StoreBreaker) {}

  get size(): number {
    return this.primary.size;
  }

  async getItems(ids: readonly string[]): Promise<(CatalogItem | null)[]> {
    let items: (CatalogItem | null)[];
    try {
      items = await this.breaker.run('catalog', () => this.primary.getItems(ids));
    } catch {
      return this.fallback.getItems(ids);
    }
    // A key Redis lost (a restarted Redis being reloaded) is served from the in-process copy.
    if (!items.includes(null)) return items;
    const missing = ids.filter((_, i) => items[i] === null);
    const found = await this.fallback.getItems(missing);
    let next = 0;
    return items.map((item) => item ?? found[next++] ?? null);
  }

  has(id: string): boolean {
    return this.primary.has(id);
  }
}

/**
 * Trending: keeps the last good `top` answer in memory (starting from the artifacts' list)
 * and serves it when Redis cannot answer, or answers empty (a Redis restarted without the
 * sorted set). `record` rejects with BACKEND_UNAVAILABLE while Redis is down.
 */
export class ResilientTrending implements TrendingSource {
  private snapshot: readonly ScoredItemId[];

  constructor(private readonly primary: TrendingSource, initial: readonly ScoredItemId[], private readonly breaker: StoreBreaker) {
    this.snapshot = initial;
  }

  async top(n: number): Promise<ScoredItemId[]> {
    let fresh: ScoredItemId[];
    try {
      fresh = await this.breaker.run('trending', () => this.primary.top(n));
    } catch {
      return this.snapshot.slice(0, n);
    }
    if (fresh.length === 0 && n > 0) return this.snapshot.slice(0, n);
    // Fresh head, then the older tail beyond it (a short `top` must not shrink the snapshot).
    const seen = new Set(fresh.map((e) => e.itemId));
    this.snapshot = fresh.concat(this.snapshot.filter((e) => !seen.has(e.itemId)));
    return fresh;
  }

  record(itemId: string, weight: number, atMs: number): Promise<void> {
    return this.breaker.run('trending', () => this.primary.record(itemId, weight, atMs));
  }
}

interface MaybeAtomicSessionStore extends SessionStore {
  update?(viewerKey: string, fold: (previous: SessionState | null) => SessionState): Promise<SessionState>;
}

/** Sessions: every call rejects with BACKEND_UNAVAILABLE while Redis is down (readers treat it as no session). */
export class ResilientSessionStore implements SessionStore {
  constructor(private readonly primary: MaybeAtomicSessionStore, private readonly breaker: StoreBreaker) {}

  get(viewerKey: string): Promise<SessionState | null> {
    return this.breaker.run('sessions', () => this.primary.get(viewerKey));
  }

  put(viewerKey: string, state: SessionState): Promise<void> {
    return this.breaker.run('sessions', () => this.primary.put(viewerKey, state));
  }

  /** The wrapped store's atomic update when it has one, else get + put. */
  update(viewerKey: string, fold: (previous: SessionState | null) => SessionState): Promise<SessionState> {
    return this.breaker.run('sessions', async () => {
      if (this.primary.update) return this.primary.update(viewerKey, fold);
      const next = fold(await this.primary.get(viewerKey));
      await this.primary.put(viewerKey, next);
      return next;
    });
  }
}

/** Event log: rejects with BACKEND_UNAVAILABLE while Redis is down (events are not buffered in process). */
export class ResilientEventLog implements EventLog {
  constructor(private readonly primary: EventLog, private readonly breaker: StoreBreaker) {}

  append(event: NewSessionEvent): Promise<string> {
    return this.breaker.run('event log', () => this.primary.append(event));
  }

  deadLetter(raw: string, reason: string, viewerKey: string | null, code?: string): Promise<void> {
    return this.breaker.run('event log', () => this.primary.deadLetter(raw, reason, viewerKey, code));
  }

  appendBatch(accepted: readonly NewSessionEvent[], rejected: readonly DeadLetter[]): Promise<string[]> {
    return this.breaker.run('event log', () => this.primary.appendBatch(accepted, rejected));
  }

  counts(): Promise<EventLogCounts> {
    return this.breaker.run('event log', () => this.primary.counts());
  }
}
