import type { Artifacts } from '../../offline/artifacts.ts';
import type { RedisClient } from './redis-connection.ts';
import { encodeCatalogItem } from './redis-catalog.ts';
import { encodeItemFeatures, encodePrecomputed, encodeUserFeatures } from './redis-feature-store.ts';
import { DEFAULT_BUCKETS, checkPrefix, keys, readCurrent } from './redis-keys.ts';
import type { VersionLayout, VersionMeta } from './redis-keys.ts';

export interface LoadOptions {
  readonly prefix: string;
  /** Called after every chunk with commands done / total (meta and the switch excluded). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Commands per pipeline. */
  readonly chunkSize?: number;
  readonly itemBuckets?: number;
  readonly userBuckets?: number;
  /**
   * Wait between the switch and removing older versions, so readers still on the old
   * version (they poll `<prefix>:current` every second) move before its keys disappear.
   */
  readonly retireDelayMs?: number;
}

export interface LoadResult {
  readonly version: number;
  /** The version served before the switch (null on the first load). */
  readonly previousVersion: number | null;
  /** Keys written for the new version. */
  readonly keys: number;
  /** Older versions whose keys were removed after the switch. */
  readonly retiredVersions: readonly number[];
  readonly seconds: number;
}

export const LOAD_CHUNK_COMMANDS = 1_000;
/** Three poll periods of the readers (VERSION_POLL_MS). */
export const RETIRE_DELAY_MS = 3_000;

/** Compare-and-set: the serving version only moves forward, so a slow older load cannot win. */
const SWITCH_SCRIPT = `local c = tonumber(redis.call('GET', KEYS[1]) or '0')
if c < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) return c end
return -1`;

type Write = readonly [key: string, value: string | Buffer];

/**
 * Bulk-loads `artifacts` into a new version under `prefix` and makes it the serving one:
 * 1. N = INCR `<prefix>:version-seq`; N joins `<prefix>:versions`; its layout and id lists are
 *    written first (so even a crashed load can be removed without scanning the keyspace);
 * 2. every item, user and precomputed key, pipelined in chunks of `chunkSize` commands;
 * 3. `<prefix>:v<N>:meta` last: readers only open versions that have meta;
 * 4. `<prefix>:current` = N in one atomic command (a Lua compare-and-set);
 * 5. after `retireDelayMs`, every older version in `<prefix>:versions` is deleted, key by key,
 *    from its own id lists (never KEYS/SCAN).
 */
export async function loadArtifactsIntoRedis(redis: RedisClient, artifacts: Artifacts, options: LoadOptions): Promise<LoadResult> {
  const started = performance.now();
  const prefix = checkPrefix(options.prefix);
  const chunkSize = options.chunkSize ?? LOAD_CHUNK_COMMANDS;
  const layout: VersionLayout = { itemBuckets: options.itemBuckets ?? DEFAULT_BUCKETS, userBuckets: options.userBuckets ?? DEFAULT_BUCKETS };
  if (!(layout.itemBuckets >= 1 && layout.userBuckets >= 1)) throw new Error('bucket counts must be at least 1');
  const { manifest } = artifacts;
  const d = manifest.dimension;
  const g = manifest.genres.length;

  const version = await redis.incr(keys.versionSeq(prefix));
  await redis.sadd(keys.versions(prefix), String(version));
  const headUserIds = [...artifacts.precomputed.keys()];
  await writeAll(redis, [
    [keys.layout(prefix, version), JSON.stringify(layout)],
    [keys.itemIds(prefix, version), JSON.stringify(artifacts.items.map((item) => item.id))],
    [keys.userIds(prefix, version), JSON.stringify(artifacts.userIds)],
    [keys.headUserIds(prefix, version), JSON.stringify(headUserIds)],
  ], chunkSize);

  const genreIndex = new Map(manifest.genres.map((genre, i) => [genre, i]));
  function* writes(): Generator<Write> {
    for (let row = 0; row < artifacts.items.length; row++) {
      const item = artifacts.items[row]!;
      const genreMask = item.genres.reduce((mask, genre) => (genreIndex.has(genre) ? mask | (1 << genreIndex.get(genre)!) : mask), 0);
      const vector = artifacts.itemVectors.subarray(row * d, (row + 1) * d);
      yield [keys.itemFeatures(prefix, version, layout.itemBuckets, item.id), encodeItemFeatures({ vector, popularity: item.popularity, genreMask, year: item.year })];
      yield [keys.itemMeta(prefix, version, layout.itemBuckets, item.id), encodeCatalogItem(item)];
    }
    for (let row = 0; row < artifacts.userIds.length; row++) {
      const vector = artifacts.userVectors.subarray(row * d, (row + 1) * d);
      const genreProfile = artifacts.userGenreProfiles.subarray(row * g, (row + 1) * g);
      yield [keys.userFeatures(prefix, version, layout.userBuckets, artifacts.userIds[row]!), encodeUserFeatures({ vector, genreProfile })];
    }
    for (const [userId, list] of artifacts.precomputed) {
      yield [keys.precomputed(prefix, version, layout.userBuckets, userId), encodePrecomputed(list)];
    }
    yield [keys.trending(prefix, version), JSON.stringify(artifacts.trending)];
  }
  const total = artifacts.items.length * 2 + artifacts.userIds.length + headUserIds.length + 1;
  const written = await writeAll(redis, writes(), chunkSize, (done) => options.onProgress?.(done, total));

  const meta: VersionMeta = {
    ...layout,
    version,
    dimension: d,
    genres: manifest.genres,
    itemCount: artifacts.items.length,
    userCount: artifacts.userIds.length,
    headUserCount: headUserIds.length,
    loadedAt: new Date().toISOString(),
    artifactsCreatedAt: manifest.createdAt,
    source: manifest.source.description,
  };
  await redis.set(keys.meta(prefix, version), JSON.stringify(meta));

  const before = Number(await redis.eval(SWITCH_SCRIPT, 1, keys.current(prefix), String(version)));
  if (before < 0) {
    const serving = await readCurrent(redis, prefix);
    await retireVersion(redis, prefix, version, chunkSize);
    throw new Error(`version ${version} was not switched to: version ${serving} is newer and serving`);
  }
  const previousVersion = before === 0 ? null : before;

  if ((options.retireDelayMs ?? RETIRE_DELAY_MS) > 0) await sleep(options.retireDelayMs ?? RETIRE_DELAY_MS);
  const older = (await redis.smembers(keys.versions(prefix))).map(Number).filter((v) => v < version).sort((a, b) => a - b);
  for (const v of older) await retireVersion(redis, prefix, v, chunkSize);

  return { version, previousVersion, keys: written + 5, retiredVersions: older, seconds: (performance.now() - started) / 1000 };
}

/**
 * Deletes every key of `version`, enumerated from its layout and id lists: meta first (no
 * reader opens it any more), then the per-id keys, then the lists themselves, so a retire that
 * dies half-way is finished by the next one. Never call it on the serving version.
 */
export async function retireVersion(redis: RedisClient, prefix: string, version: number, chunkSize = LOAD_CHUNK_COMMANDS): Promise<number> {
  const [layoutRaw, itemIdsRaw, userIdsRaw, headIdsRaw] = await Promise.all(
    [keys.layout, keys.itemIds, keys.userIds, keys.headUserIds].map((key) => redis.get(key(prefix, version))),
  );
  await redis.unlink(keys.meta(prefix, version));
  let removed = 0;
  if (layoutRaw !== null && layoutRaw !== undefined) {
    const layout = JSON.parse(layoutRaw) as VersionLayout;
    const list = (raw: string | null | undefined): string[] => (raw ? (JSON.parse(raw) as string[]) : []);
    function* doomed(): Generator<string> {
      for (const id of list(itemIdsRaw)) {
        yield keys.itemFeatures(prefix, version, layout.itemBuckets, id);
        yield keys.itemMeta(prefix, version, layout.itemBuckets, id);
      }
      for (const id of list(userIdsRaw)) yield keys.userFeatures(prefix, version, layout.userBuckets, id);
      for (const id of list(headIdsRaw)) yield keys.precomputed(prefix, version, layout.userBuckets, id);
      yield keys.trending(prefix, version);
    }
    removed = await unlinkAll(redis, doomed(), chunkSize);
  }
  await unlinkAll(redis, [keys.itemIds, keys.userIds, keys.headUserIds, keys.layout].map((key) => key(prefix, version)), chunkSize);
  await redis.srem(keys.versions(prefix), String(version));
  return removed;
}

/** SETs in chunks: one pipeline per chunk on a single node; on a Cluster the chunk's commands are sent together (auto-pipelined per shard). */
async function writeAll(redis: RedisClient, entries: Iterable<Write>, chunkSize: number, onChunk?: (done: number) => void): Promise<number> {
  let done = 0;
  let chunk: Write[] = [];
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    if (redis.isCluster) {
      await Promise.all(chunk.map(([key, value]) => redis.set(key, value)));
    } else {
      const pipeline = redis.pipeline();
      for (const [key, value] of chunk) pipeline.set(key, value);
      throwOnError(await pipeline.exec());
    }
    done += chunk.length;
    chunk = [];
    onChunk?.(done);
  };
  for (const entry of entries) {
    chunk.push(entry);
    if (chunk.length >= chunkSize) await flush();
  }
  await flush();
  return done;
}

async function unlinkAll(redis: RedisClient, keyList: Iterable<string>, chunkSize: number): Promise<number> {
  let removed = 0;
  let chunk: string[] = [];
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    // A multi-key UNLINK must stay in one slot on a Cluster: there, one UNLINK per key.
    if (redis.isCluster) removed += (await Promise.all(chunk.map((key) => redis.unlink(key)))).reduce((a, b) => a + b, 0);
    else removed += await redis.unlink(...chunk);
    chunk = [];
  };
  for (const key of keyList) {
    chunk.push(key);
    if (chunk.length >= chunkSize) await flush();
  }
  await flush();
  return removed;
}

function throwOnError(results: [Error | null, unknown][] | null): void {
  if (results === null) throw new Error('Redis pipeline was discarded');
  const failed = results.find(([error]) => error !== null);
  if (failed) throw failed[0]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Removes everything a load wrote under `prefix`, the serving version included (gateways on
 * it start answering null): every version in `<prefix>:versions`, then the bookkeeping keys.
 * For tests and decommissioning; it enumerates keys the same way, never with KEYS/SCAN.
 */
export async function dropPrefix(redis: RedisClient, prefix: string): Promise<void> {
  checkPrefix(prefix);
  const versions = (await redis.smembers(keys.versions(prefix))).map(Number);
  for (const v of versions) await retireVersion(redis, prefix, v);
  await unlinkAll(redis, [keys.current(prefix), keys.versionSeq(prefix), keys.versions(prefix)], LOAD_CHUNK_COMMANDS);
}
