import type { Catalog, CatalogItem } from '../../ports/catalog.ts';
import type { RedisClient } from './redis-connection.ts';
import { ServingVersion, VERSION_POLL_MS, keys, mgetBuffers } from './redis-keys.ts';
import type { VersionMeta } from './redis-keys.ts';
import type { RedisStoreOptions } from './redis-feature-store.ts';

/** Item metadata value: compact JSON `[title, genres, popularity, year]` (the id is in the key). */
export function encodeCatalogItem(item: CatalogItem): string {
  return JSON.stringify([item.title, item.genres, item.popularity, item.year]);
}

export function decodeCatalogItem(id: string, raw: string): CatalogItem {
  const [title, genres, popularity, year] = JSON.parse(raw) as [string, string[], number, number | null];
  return { id, title, genres, popularity, year };
}

/**
 * The ids `has` answers from, held in process memory because `has` is synchronous.
 * Canonical decimal ids below MAX_BITMAP_ID (the synthetic and MovieLens worlds) go into a
 * bitmap: 1 bit per id up to the largest, 125 KB for ids up to 1,000,000. Any other id goes
 * into a Set<string>: about 50-80 bytes per id in V8 (1M such ids: roughly 60-80 MB).
 */
const MAX_BITMAP_ID = 1 << 27;

export class ItemIdSet {
  private readonly bits: Uint8Array;
  private readonly others = new Set<string>();

  constructor(ids: readonly string[]) {
    let max = -1;
    for (const id of ids) {
      const n = numericId(id);
      if (n !== null && n > max) max = n;
    }
    this.bits = new Uint8Array((max >> 3) + 1);
    for (const id of ids) {
      const n = numericId(id);
      if (n === null) this.others.add(id);
      else this.bits[n >> 3]! |= 1 << (n & 7);
    }
  }

  has(id: string): boolean {
    const n = numericId(id);
    if (n === null) return this.others.has(id);
    return ((this.bits[n >> 3] ?? 0) & (1 << (n & 7))) !== 0;
  }
}

function numericId(id: string): number | null {
  if (id.length === 0 || id.length > 9 || !/^(0|[1-9]\d*)$/.test(id)) return null;
  const n = Number(id);
  return n < MAX_BITMAP_ID ? n : null;
}

/**
 * Catalog over a version loaded by `loadArtifactsIntoRedis`: `getItems` is one MGET (one per
 * touched bucket on a Cluster); `has` is answered from the version's id list, read once at
 * open and again when the serving version changes (never per request).
 */
export class RedisCatalog implements Catalog {
  private constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly serving: ServingVersion<ItemIdSet>,
  ) {}

  static async open(redis: RedisClient, prefix: string, options: RedisStoreOptions = {}): Promise<RedisCatalog> {
    const loadIds = async (meta: VersionMeta): Promise<ItemIdSet> => {
      const raw = await redis.get(keys.itemIds(prefix, meta.version));
      if (raw === null) throw new Error(`Redis version ${meta.version} under "${prefix}" has no item id list`);
      return new ItemIdSet(JSON.parse(raw) as string[]);
    };
    const serving = await ServingVersion.open(redis, prefix, loadIds, options.pollMs ?? VERSION_POLL_MS);
    return new RedisCatalog(redis, prefix, serving);
  }

  get version(): number {
    return this.serving.state.meta.version;
  }

  get size(): number {
    return this.serving.state.meta.itemCount;
  }

  async getItems(ids: readonly string[]): Promise<(CatalogItem | null)[]> {
    const meta = this.serving.state.meta;
    const values = await mgetBuffers(this.redis, ids, (id) => keys.itemMeta(this.prefix, meta.version, meta.itemBuckets, id), meta.itemBuckets);
    return values.map((bytes, i) => (bytes ? decodeCatalogItem(ids[i]!, bytes.toString('utf8')) : null));
  }

  has(id: string): boolean {
    return this.serving.state.data.has(id);
  }

  refresh(): Promise<void> {
    return this.serving.refresh();
  }

  close(): void {
    this.serving.close();
  }
}
