import type { Catalog, CatalogItem } from '../../ports/catalog.ts';

/** In-memory catalog: the embedded default. */
export class MemoryCatalog implements Catalog {
  private readonly byId = new Map<string, CatalogItem>();

  constructor(items: readonly CatalogItem[]) {
    for (const item of items) this.byId.set(item.id, item);
  }

  get size(): number {
    return this.byId.size;
  }

  async getItems(ids: readonly string[]): Promise<(CatalogItem | null)[]> {
    return ids.map((id) => this.byId.get(id) ?? null);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }
}
