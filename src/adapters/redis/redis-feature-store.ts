import type { FeatureStore, ItemFeatureColumns, ItemFeatures, ScoredItemId, UserFeatures } from '../../ports/feature-store.ts';
import type { RedisClient } from './redis-connection.ts';
import { ServingVersion, VERSION_POLL_MS, keys, mgetBuffers } from './redis-keys.ts';
import type { VersionMeta } from './redis-keys.ts';

/**
 * Binary values (little-endian, which every supported host is):
 *   item features: float32[d] vector | float64 popularity | uint32 genre mask | int32 year (YEAR_NONE = null)
 *   user features: float32[d] vector | float32[genres] genre profile
 * One value per item holds everything the ranker needs, so `getItemFeatures` is one MGET.
 * Precomputed lists are compact JSON `[[itemId, score], ...]`, best first: ids are strings of
 * any form and a list is read whole, once per feed, so JSON costs nothing that matters here.
 */
const YEAR_NONE = -0x80000000;
const ITEM_TAIL_BYTES = 16;

export function encodeItemFeatures(features: ItemFeatures): Buffer {
  const d = features.vector.length;
  const out = Buffer.alloc(d * 4 + ITEM_TAIL_BYTES);
  for (let i = 0; i < d; i++) out.writeFloatLE(features.vector[i]!, i * 4);
  out.writeDoubleLE(features.popularity, d * 4);
  out.writeUInt32LE(features.genreMask >>> 0, d * 4 + 8);
  out.writeInt32LE(features.year ?? YEAR_NONE, d * 4 + 12);
  return out;
}

export function decodeItemFeatures(bytes: Buffer, dimension: number): ItemFeatures {
  checkItemBytes(bytes, dimension);
  const year = bytes.readInt32LE(dimension * 4 + 12);
  return {
    vector: float32At(bytes, 0, dimension),
    popularity: bytes.readDoubleLE(dimension * 4),
    genreMask: bytes.readUInt32LE(dimension * 4 + 8),
    year: year === YEAR_NONE ? null : year,
  };
}

/**
 * A batch of item values (null: no such key) decoded into columns: every vector copied into one
 * array (no Float32Array per item), the tail read in place.
 */
export function decodeItemFeatureColumns(values: readonly (Buffer | null)[], dimension: number): ItemFeatureColumns {
  const n = values.length;
  const vectorBytes = dimension * 4;
  const vectors = new Float32Array(n * dimension);
  const into = Buffer.from(vectors.buffer); // a view, for Buffer.copy (no object per item)
  const columns = { vectorStart: new Int32Array(n), vectors, popularity: new Float64Array(n), genreMask: new Uint32Array(n), year: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const bytes = values[i];
    if (!bytes) {
      columns.vectorStart[i] = -1;
      continue;
    }
    checkItemBytes(bytes, dimension);
    bytes.copy(into, i * vectorBytes, 0, vectorBytes);
    columns.vectorStart[i] = i * dimension;
    columns.popularity[i] = bytes.readDoubleLE(vectorBytes);
    columns.genreMask[i] = bytes.readUInt32LE(vectorBytes + 8);
    const year = bytes.readInt32LE(vectorBytes + 12);
    columns.year[i] = year === YEAR_NONE ? Number.NaN : year;
  }
  return columns;
}

function checkItemBytes(bytes: Buffer, dimension: number): void {
  if (bytes.byteLength !== dimension * 4 + ITEM_TAIL_BYTES) throw new Error(`item features of ${bytes.byteLength} bytes, expected ${dimension * 4 + ITEM_TAIL_BYTES}`);
}

export function encodeUserFeatures(features: UserFeatures): Buffer {
  const out = Buffer.alloc((features.vector.length + features.genreProfile.length) * 4);
  out.set(new Uint8Array(features.vector.buffer, features.vector.byteOffset, features.vector.byteLength), 0);
  out.set(new Uint8Array(features.genreProfile.buffer, features.genreProfile.byteOffset, features.genreProfile.byteLength), features.vector.byteLength);
  return out;
}

export function decodeUserFeatures(bytes: Buffer, dimension: number, genres: number): UserFeatures {
  if (bytes.byteLength !== (dimension + genres) * 4) throw new Error(`user features of ${bytes.byteLength} bytes, expected ${(dimension + genres) * 4}`);
  return { vector: float32At(bytes, 0, dimension), genreProfile: float32At(bytes, dimension * 4, genres) };
}

export function encodePrecomputed(list: readonly ScoredItemId[]): string {
  return JSON.stringify(list.map((e) => [e.itemId, e.score]));
}

export function decodePrecomputed(raw: string): ScoredItemId[] {
  return (JSON.parse(raw) as [string, number][]).map(([itemId, score]) => ({ itemId, score }));
}

/** A copy: reply Buffers may sit at any offset of a shared pool, and Float32Array needs 4-byte alignment. */
function float32At(bytes: Buffer, byteOffset: number, length: number): Float32Array {
  const out = new Float32Array(length);
  new Uint8Array(out.buffer).set(bytes.subarray(byteOffset, byteOffset + length * 4));
  return out;
}

export interface RedisStoreOptions {
  /** How often `<prefix>:current` is polled; 0 turns polling off (call `refresh`). */
  readonly pollMs?: number;
}

/**
 * Feature store over a version loaded by `loadArtifactsIntoRedis`. Each batch method is one
 * MGET on a single node (one per touched bucket on a Cluster), a precomputed list one GET.
 * A request that started on a version finishes on it; the next one sees the new version.
 */
export class RedisFeatureStore implements FeatureStore {
  private constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly serving: ServingVersion<null>,
  ) {}

  /** Opens on the serving version of `prefix` (rejects when none is loaded) and follows it. */
  static async open(redis: RedisClient, prefix: string, options: RedisStoreOptions = {}): Promise<RedisFeatureStore> {
    const serving = await ServingVersion.open(redis, prefix, async () => null, options.pollMs ?? VERSION_POLL_MS);
    return new RedisFeatureStore(redis, prefix, serving);
  }

  get version(): number {
    return this.meta.version;
  }

  get dimension(): number {
    return this.meta.dimension;
  }

  get genres(): readonly string[] {
    return this.meta.genres;
  }

  async getUserFeatures(userIds: readonly string[]): Promise<(UserFeatures | null)[]> {
    const meta = this.meta;
    const values = await mgetBuffers(this.redis, userIds, (id) => keys.userFeatures(this.prefix, meta.version, meta.userBuckets, id), meta.userBuckets);
    return values.map((bytes) => (bytes ? decodeUserFeatures(bytes, meta.dimension, meta.genres.length) : null));
  }

  async getItemFeatures(itemIds: readonly string[]): Promise<(ItemFeatures | null)[]> {
    const { values, dimension } = await this.itemValues(itemIds);
    return values.map((bytes) => (bytes ? decodeItemFeatures(bytes, dimension) : null));
  }

  /** The same read, decoded into columns (the refined pass's 500 candidates). */
  async getItemFeatureColumns(itemIds: readonly string[]): Promise<ItemFeatureColumns> {
    const { values, dimension } = await this.itemValues(itemIds);
    return decodeItemFeatureColumns(values, dimension);
  }

  /** The items' values in one MGET (per bucket on a Cluster), read from one serving version. */
  private async itemValues(itemIds: readonly string[]): Promise<{ values: (Buffer | null)[]; dimension: number }> {
    const meta = this.meta;
    const values = await mgetBuffers(this.redis, itemIds, (id) => keys.itemFeatures(this.prefix, meta.version, meta.itemBuckets, id), meta.itemBuckets);
    return { values, dimension: meta.dimension };
  }

  async getPrecomputed(userId: string): Promise<readonly ScoredItemId[] | null> {
    const meta = this.meta;
    const raw = await this.redis.get(keys.precomputed(this.prefix, meta.version, meta.userBuckets, userId));
    return raw === null ? null : decodePrecomputed(raw);
  }

  /** The serving version's trending baseline (what `MemoryTrending` starts from), best first. */
  async getTrendingBaseline(): Promise<ScoredItemId[]> {
    const raw = await this.redis.get(keys.trending(this.prefix, this.meta.version));
    return raw === null ? [] : (JSON.parse(raw) as ScoredItemId[]);
  }

  /** Switches now if `<prefix>:current` moved (otherwise the poll does it within `pollMs`). */
  refresh(): Promise<void> {
    return this.serving.refresh();
  }

  /** Stops polling; the Redis client stays open (its owner closes it). */
  close(): void {
    this.serving.close();
  }

  private get meta(): VersionMeta {
    return this.serving.state.meta;
  }
}
