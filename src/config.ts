import { usableCores } from './runtime/usable-cores.ts';

export type Surface = 'HOME' | 'ITEM_DETAIL' | 'CHECKOUT' | 'SEARCH';
export const SURFACES: readonly Surface[] = ['HOME', 'ITEM_DETAIL', 'CHECKOUT', 'SEARCH'];

export type IdentityMode = 'headers' | 'jwt';

export interface JwtConfig {
  /** HS256 shared secret. */
  readonly secret: string | null;
  /** PEM (SPKI) public key for RS256 or ES256. */
  readonly publicKeyPem: string | null;
  readonly issuer: string | null;
  readonly audience: string | null;
}

/** One validated configuration, read once at start. Every setting is documented in the README. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly production: boolean;
  readonly artifactsDir: string;
  readonly synthetic: { readonly items: number; readonly users: number; readonly dimension: number; readonly seed: number };
  readonly introspection: boolean;
  readonly allowFreeTextQueries: boolean;
  readonly identity: IdentityMode;
  readonly jwt: JwtConfig;
  readonly budgetsMs: Readonly<Record<Surface, number>>;
  readonly maxBodyBytes: number;
  /**
   * Rounds of the warm-up before listening: each persisted query the edge runs itself, run this
   * many times for a few viewers so the first requests do not pay for cold code; 0 = none.
   */
  readonly warmUpRounds: number;
  readonly maxQueryDepth: number;
  readonly rankerThreads: number;
  readonly rankerQueueLimit: number;
  /**
   * Nice value of the ranker's worker threads (Linux): above 0 they yield the core to the event
   * loop, so first payloads and HTTP work are not held up behind a model run on a busy core.
   */
  readonly rankerNice: number;
  /** Which export of ranker-light runs in-process. */
  readonly rankerPrecision: 'fp32' | 'int8';
  /**
   * Worker threads for full HNSW searches (k = 500, about a millisecond at 100k items), so the
   * event loop keeps writing first payloads meanwhile; 0 = search on the event loop (the default
   * on one core).
   */
  readonly annSearchThreads: number;
  readonly inference: InferenceConfig;
  /** Redis for the feature store, catalog, sessions, trending and events; null = in memory. */
  readonly redis: {
    readonly url: string;
    readonly prefix: string;
    /** A Redis call slower than this counts as failed (the breaker and the fallbacks take over). */
    readonly callTimeoutMs: number;
  } | null;
  /** The per-viewer response cache (Redis when `redis` is set, else an in-memory LRU). */
  readonly responseCache: ResponseCacheConfig;
  readonly telemetry: TelemetryConfig;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Logs, metrics and traces (see the README's Observability section). */
export interface TelemetryConfig {
  /** LOG_LEVEL: pino's level for the process logger. */
  readonly logLevel: LogLevel;
  /** METRICS_ENABLED: serve GET /metrics (Prometheus text). */
  readonly metricsEnabled: boolean;
  /** OTEL_SDK_DISABLED=true: no OpenTelemetry at all (no spans, no /metrics). */
  readonly sdkDisabled: boolean;
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT: spans exported over OTLP; null = no spans. */
  readonly otlpEndpoint: string | null;
  /** OTEL_SERVICE_NAME, else personalization-gateway. */
  readonly serviceName: string;
}

export interface ResponseCacheConfig {
  readonly enabled: boolean;
  /** TTL per surface (the operation's `surface` variable, HOME when absent); 0 = never cached. */
  readonly ttlMs: Readonly<Record<Surface, number>>;
  /** Entries of the in-memory LRU (no REDIS_URL). */
  readonly maxEntries: number;
  /**
   * How long past its TTL an entry may still be served, and only while one request refreshes
   * it (stale-while-revalidate); 0 = never stale. An invalidation is never served stale: it
   * changes the key.
   */
  readonly staleMs: number;
  /** How long a request waits for another request's miss of the same key before running its own. */
  readonly missWaitMs: number;
}

/** The remote inference tier (Open Inference Protocol servers); off when `endpoints` is empty. */
export interface InferenceConfig {
  /** host:port of each server. */
  readonly endpoints: readonly string[];
  /** Model name on those servers (the heavy ranker). */
  readonly model: string;
  /** Taken off the request's deadline for the remote call (network and queueing). */
  readonly deadlineMarginMs: number;
  readonly maxBatchRows: number;
  readonly maxBatchDelayUs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the environment; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const identity = oneOf(env, 'IDENTITY', ['headers', 'jwt'] as const, production ? 'jwt' : 'headers');
  const jwt: JwtConfig = {
    secret: env.JWT_SECRET || null,
    publicKeyPem: env.JWT_PUBLIC_KEY ? env.JWT_PUBLIC_KEY.replace(/\\n/g, '\n') : null,
    issuer: env.JWT_ISSUER || null,
    audience: env.JWT_AUDIENCE || null,
  };
  if (identity === 'jwt' && !jwt.secret && !jwt.publicKeyPem) {
    throw new ConfigError('IDENTITY=jwt (the production default) needs JWT_SECRET (HS256) or JWT_PUBLIC_KEY (RS256/ES256 PEM)');
  }
  // Thread defaults: affinity capped by a cgroup CPU quota (a one-CPU pod on a big node gets none).
  const cores = usableCores();
  return {
    port: int(env, 'PORT', 4000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    production,
    artifactsDir: env.ARTIFACTS_DIR || 'artifacts',
    synthetic: {
      items: int(env, 'SYNTHETIC_ITEMS', 20_000, 100, 1_000_000),
      users: int(env, 'SYNTHETIC_USERS', 10_000, 10, 1_000_000),
      dimension: int(env, 'EMBEDDING_DIM', 64, 16, 128),
      seed: int(env, 'SYNTHETIC_SEED', 42, 0, 2 ** 31 - 1),
    },
    introspection: bool(env, 'GRAPHQL_INTROSPECTION', !production),
    allowFreeTextQueries: bool(env, 'ALLOW_FREE_TEXT_QUERIES', !production),
    identity,
    jwt,
    budgetsMs: {
      HOME: int(env, 'BUDGET_HOME_MS', 150, 1, 60_000),
      ITEM_DETAIL: int(env, 'BUDGET_ITEM_DETAIL_MS', 100, 1, 60_000),
      SEARCH: int(env, 'BUDGET_SEARCH_MS', 100, 1, 60_000),
      CHECKOUT: int(env, 'BUDGET_CHECKOUT_MS', 50, 1, 60_000),
    },
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 64 * 1024, 1024, 16 * 1024 * 1024),
    warmUpRounds: int(env, 'WARM_UP_ROUNDS', 30, 0, 10_000),
    maxQueryDepth: int(env, 'MAX_QUERY_DEPTH', 12, 2, 100),
    rankerThreads: int(env, 'RANKER_THREADS', Math.max(1, Math.min(4, cores - 1)), 1, 64),
    rankerQueueLimit: int(env, 'RANKER_QUEUE_LIMIT', 256, 1, 100_000),
    rankerNice: int(env, 'RANKER_NICE', 0, 0, 19),
    rankerPrecision: oneOf(env, 'RANKER_PRECISION', ['fp32', 'int8'] as const, 'fp32'),
    // One core: a thread would only add its round trip (+7.5% CPU per HomeFeed at 100k items, measured).
    annSearchThreads: int(env, 'ANN_SEARCH_THREADS', cores > 1 ? 1 : 0, 0, 64),
    redis: env.REDIS_URL
      ? { url: redisUrl(env.REDIS_URL), prefix: env.REDIS_PREFIX || 'gw', callTimeoutMs: int(env, 'REDIS_CALL_TIMEOUT_MS', 250, 1, 60_000) }
      : null,
    responseCache: {
      enabled: bool(env, 'RESPONSE_CACHE', true),
      ttlMs: {
        HOME: int(env, 'RESPONSE_CACHE_TTL_HOME_MS', 30_000, 0, 86_400_000),
        ITEM_DETAIL: int(env, 'RESPONSE_CACHE_TTL_ITEM_DETAIL_MS', 60_000, 0, 86_400_000),
        SEARCH: int(env, 'RESPONSE_CACHE_TTL_SEARCH_MS', 30_000, 0, 86_400_000),
        CHECKOUT: int(env, 'RESPONSE_CACHE_TTL_CHECKOUT_MS', 0, 0, 86_400_000),
      },
      maxEntries: int(env, 'RESPONSE_CACHE_MAX_ENTRIES', 10_000, 1, 10_000_000),
      staleMs: int(env, 'RESPONSE_CACHE_STALE_MS', 10_000, 0, 86_400_000),
      missWaitMs: int(env, 'RESPONSE_CACHE_MISS_WAIT_MS', 200, 0, 60_000),
    },
    inference: {
      endpoints: endpoints(env, 'INFERENCE_ENDPOINTS'),
      model: env.INFERENCE_MODEL || 'ranker-heavy',
      deadlineMarginMs: int(env, 'INFERENCE_DEADLINE_MARGIN_MS', 5, 0, 10_000),
      maxBatchRows: int(env, 'INFERENCE_MAX_BATCH_ROWS', 4096, 1, 1_000_000),
      maxBatchDelayUs: int(env, 'INFERENCE_MAX_BATCH_DELAY_US', 500, 0, 1_000_000),
    },
    telemetry: {
      logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
      metricsEnabled: bool(env, 'METRICS_ENABLED', true),
      sdkDisabled: bool(env, 'OTEL_SDK_DISABLED', false),
      otlpEndpoint: otlpEndpoint(env),
      serviceName: env.OTEL_SERVICE_NAME || 'personalization-gateway',
    },
  };
}

function otlpEndpoint(env: Env): string | null {
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
    const raw = env[name];
    if (!raw) continue;
    if (!/^https?:\/\/[^\s]+$/.test(raw)) throw new ConfigError(`${name}=${raw}: expected an http(s):// URL`);
    return raw;
  }
  return null;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${raw}: expected an integer from ${min} to ${max}`);
  }
  return value;
}

function redisUrl(raw: string): string {
  if (!/^rediss?:\/\/|^redis-cluster:\/\//.test(raw)) throw new ConfigError(`REDIS_URL=${raw}: expected redis://host:port (or rediss://, redis-cluster://)`);
  return raw;
}

function endpoints(env: Env, name: string): string[] {
  const raw = env[name];
  if (!raw) return [];
  const list = raw.split(',').map((e) => e.trim()).filter(Boolean);
  for (const endpoint of list) {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(endpoint)) {
      throw new ConfigError(`${name}: "${endpoint}" is not host:port`);
    }
  }
  return list;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name}=${raw}: expected true or false`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name}=${raw}: expected one of ${allowed.join(', ')}`);
  }
  return raw as T;
}
