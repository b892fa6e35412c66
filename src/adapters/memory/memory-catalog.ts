import type { Catalog, CatalogItem } from '../../ports/catalog.ts';
import { CompactItems } from './compact-items.ts';

/** In-memory catalog: the embedded default (and the Redis catalog's fallback). */
export class MemoryCatalog implements Catalog {
  private readonly items: CompactItems;

  constructor(items: readonly CatalogItem[] | CompactItems) {
    this.items = items instanceof CompactItems ? items : new CompactItems(items);
  }

  get size(): number {
    return this.items.size;
  }

  async getItems(ids: readonly string[]): Promise<(CatalogItem | null)[]> {
    return ids.map((id) => {
      const row = this.items.rowOf(id);
      return row === undefined ? null : this.items.item(row);
    });
  }

  has(id: string): boolean {
    return this.items.rowOf(id) !== undefined;
  }
}
