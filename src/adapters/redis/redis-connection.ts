import { Cluster, Redis } from 'ioredis';

/** What every Redis adapter takes: a single node or a Cluster (same command API). */
export type RedisClient = Redis | Cluster;

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** Where Redis is: a URL (see `parseRedisTarget`) or Cluster seed nodes. */
export type RedisTarget = string | { readonly cluster: readonly RedisNode[] };

export interface RedisConnectionOptions {
  /** Give up a connection attempt after this long. */
  readonly connectTimeoutMs?: number;
  /** A command without a reply after this long rejects (a stuck Redis must not hold a request forever). */
  readonly commandTimeoutMs?: number;
  /** Retries of one command across reconnects before it rejects. */
  readonly maxRetriesPerRequest?: number;
  /** Name shown by CLIENT LIST. */
  readonly connectionName?: string;
}

export const REDIS_CONNECT_TIMEOUT_MS = 2_000;
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;
export const REDIS_MAX_RETRIES_PER_REQUEST = 1;
const RECONNECT_MAX_DELAY_MS = 2_000;

/**
 * Parses `REDIS_URL`:
 * - `redis://[user:pass@]host:port[/db]` or `rediss://...`: one node (ioredis URL form);
 * - `redis-cluster://host1:port1,host2:port2,...`: Redis Cluster, these are seed nodes
 *   (any subset of the cluster; ioredis discovers the rest with CLUSTER SLOTS).
 */
export function parseRedisTarget(url: string): RedisTarget {
  const cluster = /^redis-cluster:\/\/(.+)$/.exec(url.trim());
  if (!cluster) {
    if (!/^rediss?:\/\//.test(url.trim())) throw new Error(`Redis URL must start with redis://, rediss:// or redis-cluster:// (got ${url})`);
    return url.trim();
  }
  const nodes = cluster[1]!.split(',').map((part) => {
    const match = /^\s*([^\s:,/]+):(\d{1,5})\s*\/?$/.exec(part);
    if (!match) throw new Error(`bad Redis Cluster node "${part}" in ${url}: expected host:port`);
    return { host: match[1]!, port: Number(match[2]) };
  });
  return { cluster: nodes };
}

/**
 * Connects to Redis and resolves once it is ready; rejects (and disconnects) when the first
 * connection fails. Commands never wait in an offline queue: while Redis is unreachable they
 * reject at once, so a dead Redis degrades requests instead of piling them up. Auto-pipelining
 * is on: commands issued in one tick (a request's user, session and precomputed reads; on a
 * Cluster, the per-slot MGETs of one batch) reach each node as one write.
 */
export async function createRedis(target: RedisTarget, options: RedisConnectionOptions = {}): Promise<RedisClient> {
  const connectTimeout = options.connectTimeoutMs ?? REDIS_CONNECT_TIMEOUT_MS;
  const common = {
    connectTimeout,
    commandTimeout: options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? REDIS_MAX_RETRIES_PER_REQUEST,
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
  };
  const retryStrategy = (attempt: number): number => Math.min(attempt * 100, RECONNECT_MAX_DELAY_MS);
  const client: RedisClient =
    typeof target === 'string'
      ? new Redis(target, { ...common, lazyConnect: true, enableOfflineQueue: false, enableAutoPipelining: true, retryStrategy })
      : new Cluster(
          target.cluster.map((n) => ({ host: n.host, port: n.port })),
          {
            lazyConnect: true,
            enableOfflineQueue: false,
            enableAutoPipelining: true,
            clusterRetryStrategy: retryStrategy,
            redisOptions: common,
          },
        );
  // Without a listener, ioredis prints every connection error; callers see failures as rejections.
  client.on('error', () => {});
  try {
    await withTimeout(client.connect(), connectTimeout * 2, 'Redis connect');
  } catch (error) {
    client.disconnect();
    throw error;
  }
  return client;
}

/** Closes a client from `createRedis` (QUIT, or a hard disconnect when QUIT cannot be sent). */
export async function closeRedis(client: RedisClient): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
