import { hash as digestOf } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { useResponseCache, type Cache } from '@envelop/response-cache';
import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';
import { SURFACES, type ResponseCacheConfig, type Surface } from '../../config.ts';
import type { RedisClient } from '../../adapters/redis/redis-connection.ts';
import type { RequestContext } from '../request-context.ts';
import { hasDegradedRanking, stableJson } from './cache-policy.ts';
import { MemoryGenerations, RedisGenerations, type ViewerGenerations } from './generations.ts';
import { MissFlights, type LeadingMiss } from './miss-flights.ts';
import { MemoryResponseStore, RedisResponseStore, type ResponseStore, type StoredResponse } from './response-store.ts';

/** How many key digests are remembered, and the longest input remembered (characters). */
const DIGEST_MEMO_ENTRIES = 4096;
const DIGEST_MEMO_MAX_INPUT = 1024;

/** Lookup and store counters (on /metrics: telemetry/observers.ts). */
export interface ResponseCacheStats {
  /** Lookups answered from the cache (fresh entries). */
  hits: number;
  /** Lookups answered with an entry past its TTL while it was refreshed (in the background, or by another request). */
  stale: number;
  /** Lookups that waited for another request's miss of the same key and were answered with its result. */
  coalesced: number;
  /** Lookups that executed the operation. */
  misses: number;
  /** Results written to the cache. */
  stored: number;
  /** Results not written because a ranking in them was degraded (or they had errors). */
  notStored: number;
  /** Viewer invalidations (generation bumps). */
  invalidations: number;
  /** Cache backend failures (the request then runs uncached). */
  errors: number;
}

export interface GatewayResponseCache {
  /** Yoga plugins, to register right after the persisted-operations plugin. */
  readonly plugins: Plugin<Record<string, never>, RequestContext>[];
  readonly stats: ResponseCacheStats;
  readonly backend: 'memory' | 'redis';
  /** Makes every cached answer of this viewer unreachable (one write; never a scan). */
  invalidateViewer(viewerKey: string): Promise<void>;
  /** Calls `listener` with each key read (hit or miss) and stored; returns the unsubscribe. */
  subscribe(listener: (event: ResponseCacheEvent) => void): () => void;
  /**
   * The cache key of one request: `document` is the persisted document id (the edge) or the
   * document text (free-text queries through Yoga).
   */
  keyFor(viewerKey: string | null, document: string, operationName: string | null | undefined, variables: unknown): Promise<string>;
  /** TTL of an answer with these variables (its surface's); 0 = not cached. */
  ttlMsFor(variables: unknown): number;
  /**
   * The edge's read, coalesced per key: a fresh answer, a stale one (while another request
   * refreshes it), another request's answer waited for, or a miss to run. The first request
   * after an entry's TTL gets `refresh` when the caller can run the operation without a client
   * (`backgroundRefresh`): it answers with the stale entry and refreshes it in the background;
   * otherwise it gets a `miss`. A `refresh` or a `miss` that leads (`flight`) must `end` once
   * its answer is stored or abandoned. When the edge hands a miss to Yoga it calls `handOver`
   * first, so the plugin neither reads the key again nor counts a second lookup, and stores the
   * answer under the same key.
   */
  lookup(key: string, backgroundRefresh: boolean): Promise<CacheLookup>;
  handOver(req: IncomingMessage, key: string): void;
  /**
   * Stores an answer the edge made itself (`json` is `{"data": ...}`), unless a ranking in it
   * is degraded; returns whether it is stored. The write runs in the background: failures are
   * counted and logged, never thrown.
   */
  store(key: string, json: string, data: unknown, ttlMs: number): boolean;
}

export interface ResponseCacheEvent {
  readonly kind: 'hit' | 'stale' | 'coalesced' | 'miss' | 'store';
  readonly key: string;
}

/** What the edge's lookup of one key came to. */
export type CacheLookup =
  | { readonly kind: 'hit' | 'stale' | 'coalesced'; readonly stored: StoredResponse }
  | { readonly kind: 'refresh'; readonly stored: StoredResponse; readonly flight: LeadingMiss }
  | { readonly kind: 'miss'; readonly flight: LeadingMiss | null };

export interface ResponseCacheOptions {
  readonly config: ResponseCacheConfig;
  /** Redis client and key prefix; null = in-memory LRU. */
  readonly redis: { readonly client: RedisClient; readonly prefix: string } | null;
  readonly log?: Pick<Console, 'warn'>;
  /** Epoch milliseconds, for freshness (tests move it). */
  readonly now?: () => number;
}

type CacheContext = RequestContext & Partial<YogaInitialContext> & { readonly req?: IncomingMessage };

/** Marks the plugin's key of a request the edge handed over after a miss. */
const HANDED_OVER = 'handed-over:';

/** Extra time a generation record outlives the longest entry TTL (covers in-flight requests). */
const GENERATION_MARGIN_MS = 60_000;

/**
 * The per-viewer response cache: @envelop/response-cache decides what is stored and when,
 * into our store (an in-process LRU, with Redis shared behind it when REDIS_URL is set) that
 * the HTTP edge reads directly to answer hits without Yoga.
 *
 * Key: `<prefix>:rc:v:<viewer>:<generation>:<sha256(document, operation, variables)>` for a
 * viewer with a key, `<prefix>:rc:anon:<sha256(...)>` for anonymous viewers without one (their
 * answer is trending, the same for all). Only queries are cached, never mutations; the TTL is
 * the surface's (`variables.surface`, HOME when absent), 0 = not cached; an answer in which
 * any ranking is `degraded` (the deferred `refined` part included) or that has errors is never
 * stored. Invalidation bumps the viewer's generation: no KEYS, no SCAN, no entity sets (the
 * library's entity bookkeeping is switched off: entries are written with no entities).
 */
export function createGatewayResponseCache(options: ResponseCacheOptions): GatewayResponseCache {
  const { config, redis } = options;
  const log = options.log ?? console;
  const now = options.now ?? Date.now;
  const prefix = redis?.prefix ?? 'gw';
  const maxTtl = Math.max(...SURFACES.map((s) => config.ttlMs[s]));
  const recordTtlMs = maxTtl + GENERATION_MARGIN_MS;
  const generations: ViewerGenerations = redis
    ? new RedisGenerations(redis.client, prefix, recordTtlMs)
    : new MemoryGenerations(recordTtlMs);
  const stats: ResponseCacheStats = { hits: 0, stale: 0, coalesced: 0, misses: 0, stored: 0, notStored: 0, invalidations: 0, errors: 0 };
  const listeners = new Set<(event: ResponseCacheEvent) => void>();
  const emit = (kind: ResponseCacheEvent['kind'], key: string): void => {
    for (const listener of listeners) listener({ kind, key });
  };

  const local = new MemoryResponseStore(config.maxEntries, config.staleMs, now);
  const store: ResponseStore = redis ? new RedisResponseStore(redis.client, local, config.staleMs, now) : local;
  const flights = new MissFlights(config.missWaitMs, now);
  // Requests the edge already looked up and missed: the plugin's key for them is marked.
  const handedOver = new WeakMap<IncomingMessage, string>();

  const count = (kind: 'hit' | 'stale' | 'coalesced' | 'miss', key: string): void => {
    if (kind === 'hit') stats.hits++;
    else if (kind === 'miss') stats.misses++;
    else stats[kind]++;
    emit(kind, key);
  };

  /** The stored entry, fresh or stale; null on a miss or a failed read (counted, logged). */
  const read = async (key: string): Promise<StoredResponse | null> => {
    try {
      return await store.get(key);
    } catch (error) {
      stats.errors++;
      log.warn(`response cache: read failed, running uncached: ${(error as Error).message}`);
      return null;
    }
  };

  const lookup = async (key: string, backgroundRefresh: boolean): Promise<CacheLookup> => {
    const found = await read(key);
    if (found && found.freshUntil > now()) {
      count('hit', key);
      return { kind: 'hit', stored: found };
    }
    if (flights.recentlyEmpty(key)) {
      // Its last run stored nothing: not worth waiting for, nor refreshing again at once.
      count(found ? 'stale' : 'miss', key);
      return found ? { kind: 'stale', stored: found } : { kind: 'miss', flight: null };
    }
    const flight = flights.lead(key);
    if (flight && found && backgroundRefresh) {
      count('stale', key);
      return { kind: 'refresh', stored: found, flight };
    }
    if (flight) {
      count('miss', key);
      return { kind: 'miss', flight };
    }
    if (found) {
      count('stale', key);
      return { kind: 'stale', stored: found };
    }
    // Another request is running this key's miss: its stored answer is ours too.
    const shared = await flights.follow(key);
    count(shared ? 'coalesced' : 'miss', key);
    return shared ? { kind: 'coalesced', stored: shared } : { kind: 'miss', flight: null };
  };

  /** Writes an answer; requests waiting on the key's miss get it once it is stored. */
  const write = (key: string, json: string, ttlMs: number): Promise<StoredResponse> => {
    const written = store.set(key, json, ttlMs);
    flights.storing(key, written);
    return written;
  };

  const cache: Cache = {
    async get(id) {
      if (id.startsWith(HANDED_OVER)) return undefined; // the edge read (and counted) it already
      // Requests through Yoga (free text, GraphiQL) take only fresh answers and are not coalesced.
      const found = await read(id);
      const fresh = found !== null && found.freshUntil > now();
      count(fresh ? 'hit' : 'miss', id);
      return fresh ? (JSON.parse(found.json) as ExecutionResult) : undefined;
    },
    async set(id, data, _entities, ttl) {
      const key = id.startsWith(HANDED_OVER) ? id.slice(HANDED_OVER.length) : id;
      try {
        // Only `data`: an answer with errors is never stored, and extensions are per response.
        // No entities: we never invalidate by type or entity (that path scans with KEYS).
        await write(key, JSON.stringify({ data: (data as ExecutionResult).data }), ttl);
        stats.stored++;
        emit('store', key);
      } catch (error) {
        stats.errors++;
        log.warn(`response cache: write failed: ${(error as Error).message}`);
      }
    },
    invalidate() {
      // Type/entity invalidation is never used (invalidateViaMutation is off).
    },
  };

  // Digests of recent key inputs: hits repeat the same document and variables, and SHA-256 was
  // the largest single cost of a hit. Bounded, dropped whole when full (no bookkeeping per
  // read); long inputs (free-text documents) are not kept. One-shot digest: no native Hash
  // object per request (each is a weak handle every scavenge has to process).
  const digests = new Map<string, string>();
  const hash = (documentString: string, operationName: string | null | undefined, variables: unknown): string => {
    const input = `${documentString}\0${operationName ?? ''}\0${stableJson(variables ?? {})}`;
    let digest = digests.get(input);
    if (digest === undefined) {
      digest = digestOf('sha256', input, 'base64url');
      if (input.length <= DIGEST_MEMO_MAX_INPUT) {
        if (digests.size >= DIGEST_MEMO_ENTRIES) digests.clear();
        digests.set(input, digest);
      }
    }
    return digest;
  };

  const keyFor = async (
    viewerKey: string | null,
    documentString: string,
    operationName: string | null | undefined,
    variables: unknown,
  ): Promise<string> => {
    const digest = hash(documentString, operationName, variables);
    if (!viewerKey) return `${prefix}:rc:anon:${digest}`;
    let generation: string;
    try {
      generation = await generations.current(viewerKey);
    } catch (error) {
      // Without the generation we cannot know the key is current: use one nobody hits or reads again.
      stats.errors++;
      log.warn(`response cache: generation read failed: ${(error as Error).message}`);
      generation = `unavailable-${Math.random()}`;
    }
    return `${prefix}:rc:v:${encodeURIComponent(viewerKey)}:${generation}:${digest}`;
  };

  // Per GraphQL context: the operation type, seen before the cache plugin decides.
  const operationOf = new WeakMap<object, string>();
  // Per request: whether the cache was consulted, and its verdict for the x-cache header.
  const verdictOf = new WeakMap<Request, 'HIT' | 'MISS'>();

  const surfaceOf = (variables: unknown): Surface => {
    const surface = (variables as Record<string, unknown> | undefined)?.surface;
    return typeof surface === 'string' && (SURFACES as readonly string[]).includes(surface) ? (surface as Surface) : 'HOME';
  };
  const ttlMsFor = (variables: unknown): number => config.ttlMs[surfaceOf(variables)];

  const markOperation: Plugin<Record<string, never>, RequestContext> = {
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName)?.operation;
      if (operation) operationOf.set(args.contextValue as object, operation);
    },
  };

  const responseCache = useResponseCache<CacheContext>({
    cache,
    session: (context) => context.viewer.key ?? null,
    enabled: (context) => {
      const on = operationOf.get(context) === 'query' && ttlMsFor(context.params?.variables) > 0;
      if (on && context.request) verdictOf.set(context.request, 'MISS');
      return on;
    },
    onTtl: ({ context }) => ttlMsFor(context.params?.variables),
    invalidateViaMutation: false,
    includeExtensionMetadata: true,
    buildResponseCacheKey: ({ documentString, operationName, variableValues, sessionId, context }) => {
      const req = (context as CacheContext).req;
      const edgeKey = req ? handedOver.get(req) : undefined;
      if (edgeKey) return Promise.resolve(`${HANDED_OVER}${edgeKey}`);
      return keyFor(sessionId ?? null, documentString, operationName, variableValues);
    },
    shouldCacheResult: ({ result }) => {
      const ok = !result.errors?.length && !hasDegradedRanking(result.data);
      if (!ok) stats.notStored++;
      return ok;
    },
  }) as unknown as Plugin<Record<string, never>, RequestContext>;

  const header: Plugin<Record<string, never>, RequestContext> = {
    onResultProcess({ request, result }) {
      if (!verdictOf.has(request)) return;
      const single = result as ExecutionResult<unknown, { responseCache?: { hit?: boolean } }>;
      if (!Array.isArray(result) && !(Symbol.asyncIterator in (result as object)) && single.extensions?.responseCache?.hit === true) {
        verdictOf.set(request, 'HIT');
      }
    },
    onResponse({ request, response }) {
      const verdict = verdictOf.get(request);
      if (verdict) response.headers.set('x-cache', verdict);
    },
  };

  return {
    plugins: [markOperation, responseCache, header],
    stats,
    backend: redis ? 'redis' : 'memory',
    keyFor,
    ttlMsFor,
    lookup,
    handOver(req, key) {
      handedOver.set(req, key);
    },
    store(key, json, data, ttlMs) {
      if (hasDegradedRanking(data)) {
        stats.notStored++;
        return false;
      }
      write(key, json, ttlMs).then(
        () => {
          stats.stored++;
          emit('store', key);
        },
        (error: unknown) => {
          stats.errors++;
          log.warn(`response cache: write failed: ${(error as Error).message}`);
        },
      );
      return true;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async invalidateViewer(viewerKey) {
      await generations.bump(viewerKey);
      stats.invalidations++;
    },
  };
}
