import type { RedisClient } from './redis-connection.ts';

/**
 * The Redis key layout of the feature store and catalog. Everything a load writes lives
 * under one version, and readers follow `<prefix>:current`:
 *
 *   <prefix>:current                 "N": the serving version (one SET switches it)
 *   <prefix>:version-seq             INCR counter handing out version numbers
 *   <prefix>:versions                SET of versions that have (or had) keys: what to retire
 *   <prefix>:v<N>:layout             JSON {itemBuckets, userBuckets}: written FIRST by a load
 *   <prefix>:v<N>:item-ids           JSON array of item ids (the catalog's `has` set; retiring)
 *   <prefix>:v<N>:user-ids           JSON array of user ids (retiring)
 *   <prefix>:v<N>:head-user-ids      JSON array of users with a precomputed list (retiring)
 *   <prefix>:v<N>:trending           JSON [{itemId, score}] (baseline trending)
 *   <prefix>:v<N>:meta               JSON VersionMeta: written LAST, so a version with meta is complete
 *   {<prefix>:v<N>:i<b>}:f:<itemId>  item features, binary (see redis-feature-store.ts)
 *   {<prefix>:v<N>:i<b>}:m:<itemId>  item metadata, compact JSON (see redis-catalog.ts)
 *   {<prefix>:v<N>:u<b>}:f:<userId>  user vector + genre profile, binary
 *   {<prefix>:v<N>:u<b>}:p:<userId>  precomputed list of a head user, JSON
 *
 * b = fnv1a(id) mod B. The `{...}` hash tag puts every key of one bucket in one Cluster slot,
 * so a batch of ids needs one MGET per bucket it touches (at most B), each answered by one
 * shard, and never one command per key. On a single node the whole batch is one MGET.
 *
 * Choice of B (DEFAULT_BUCKETS = 16): B bounds the commands per batch (a 500-id batch touches
 * all B buckets, so B MGETs of ~500/B keys, sent together; auto-pipelining sends the ones for
 * one shard in one write) and it also bounds how many shards hold one version's data: a
 * version's items live in exactly B slots. 16 covers clusters of up to 16 primaries with every
 * shard holding a share, while 16 MGETs of ~31 keys still cost one round trip per shard.
 * Larger clusters load with a larger B (`--buckets`); B is stored per version in its layout.
 */
export const DEFAULT_BUCKETS = 16;

export interface VersionLayout {
  readonly itemBuckets: number;
  readonly userBuckets: number;
}

/** `<prefix>:v<N>:meta`: what a reader needs besides the per-id keys. */
export interface VersionMeta extends VersionLayout {
  readonly version: number;
  readonly dimension: number;
  readonly genres: readonly string[];
  readonly itemCount: number;
  readonly userCount: number;
  readonly headUserCount: number;
  readonly loadedAt: string;
  /** The artifacts' manifest createdAt and source description, for operators. */
  readonly artifactsCreatedAt: string;
  readonly source: string;
}

export function checkPrefix(prefix: string): string {
  // Braces would break the hash tags; ':' at the end would double the separator.
  if (!/^[A-Za-z0-9_.:-]+$/.test(prefix) || prefix.endsWith(':')) {
    throw new Error(`Redis key prefix "${prefix}" must be letters, digits, _ . : - and not end with ':'`);
  }
  return prefix;
}

/** 32-bit FNV-1a over the UTF-16 code units: stable across processes, cheap for short ids. */
export function bucketOf(id: string, buckets: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % buckets;
}

export const keys = {
  current: (prefix: string) => `${prefix}:current`,
  versionSeq: (prefix: string) => `${prefix}:version-seq`,
  versions: (prefix: string) => `${prefix}:versions`,
  layout: (prefix: string, v: number) => `${prefix}:v${v}:layout`,
  itemIds: (prefix: string, v: number) => `${prefix}:v${v}:item-ids`,
  userIds: (prefix: string, v: number) => `${prefix}:v${v}:user-ids`,
  headUserIds: (prefix: string, v: number) => `${prefix}:v${v}:head-user-ids`,
  trending: (prefix: string, v: number) => `${prefix}:v${v}:trending`,
  meta: (prefix: string, v: number) => `${prefix}:v${v}:meta`,
  itemFeatures: (prefix: string, v: number, buckets: number, id: string) => `{${prefix}:v${v}:i${bucketOf(id, buckets)}}:f:${id}`,
  itemMeta: (prefix: string, v: number, buckets: number, id: string) => `{${prefix}:v${v}:i${bucketOf(id, buckets)}}:m:${id}`,
  userFeatures: (prefix: string, v: number, buckets: number, id: string) => `{${prefix}:v${v}:u${bucketOf(id, buckets)}}:f:${id}`,
  precomputed: (prefix: string, v: number, buckets: number, id: string) => `{${prefix}:v${v}:u${bucketOf(id, buckets)}}:p:${id}`,
};

/**
 * Reads `ids` with as few commands as the deployment allows: one MGET on a single node; on a
 * Cluster one MGET per bucket (keys of a bucket share a slot), all sent at once. Answers in
 * `ids` order, null where a key is missing.
 */
export async function mgetBuffers(
  redis: RedisClient,
  ids: readonly string[],
  keyOf: (id: string) => string,
  buckets: number,
): Promise<(Buffer | null)[]> {
  if (ids.length === 0) return [];
  if (!redis.isCluster) return redis.mgetBuffer(ids.map(keyOf));
  const groups = new Map<number, number[]>();
  ids.forEach((id, index) => {
    const b = bucketOf(id, buckets);
    const group = groups.get(b);
    if (group) group.push(index);
    else groups.set(b, [index]);
  });
  const out = new Array<Buffer | null>(ids.length).fill(null);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const values = await redis.mgetBuffer(indexes.map((i) => keyOf(ids[i]!)));
      indexes.forEach((i, k) => (out[i] = values[k] ?? null));
    }),
  );
  return out;
}

export const VERSION_POLL_MS = 1_000;

/**
 * Follows `<prefix>:current` for a reader: reads it (and that version's meta) once at open,
 * then polls it every `pollMs` on an unref'd timer; requests never read it. `onChange` runs
 * before the new version is served (the catalog loads its id set there); a failed poll keeps
 * the version it has and tries again on the next tick.
 */
export class ServingVersion<T> {
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  private constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly prepare: (meta: VersionMeta) => Promise<T>,
    public state: { readonly meta: VersionMeta; readonly data: T },
  ) {}

  /** Reads the serving version; rejects when there is none yet (nothing loaded under `prefix`). */
  static async open<T>(redis: RedisClient, prefix: string, prepare: (meta: VersionMeta) => Promise<T>, pollMs = VERSION_POLL_MS): Promise<ServingVersion<T>> {
    checkPrefix(prefix);
    const version = await readCurrent(redis, prefix);
    if (version === null) throw new Error(`no serving version under Redis prefix "${prefix}": load one with npm run load`);
    const meta = await readMeta(redis, prefix, version);
    const serving = new ServingVersion(redis, prefix, prepare, { meta, data: await prepare(meta) });
    if (pollMs > 0) {
      serving.timer = setInterval(() => void serving.refresh().catch(() => {}), pollMs);
      serving.timer.unref();
    }
    return serving;
  }

  /** Checks `<prefix>:current` now and switches when it moved (tests call this instead of waiting). */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async doRefresh(): Promise<void> {
    const version = await readCurrent(this.redis, this.prefix);
    if (version === null || version === this.state.meta.version) return;
    const meta = await readMeta(this.redis, this.prefix, version);
    const data = await this.prepare(meta);
    this.state = { meta, data };
  }
}

export async function readCurrent(redis: RedisClient, prefix: string): Promise<number | null> {
  const raw = await redis.get(keys.current(prefix));
  return raw === null ? null : Number(raw);
}

async function readMeta(redis: RedisClient, prefix: string, version: number): Promise<VersionMeta> {
  const raw = await redis.get(keys.meta(prefix, version));
  if (raw === null) throw new Error(`Redis version ${version} under "${prefix}" has no meta (removed, or not a complete load)`);
  return JSON.parse(raw) as VersionMeta;
}
