/** Catalog port: item metadata for `Item` fields. Batched like the feature store. */
export interface CatalogItem {
  readonly id: string;
  readonly title: string;
  readonly genres: readonly string[];
  /** Share of interactions, scaled to [0, 1] (1 = the most popular item). */
  readonly popularity: number;
  readonly year: number | null;
}

export interface Catalog {
  readonly size: number;
  getItems(ids: readonly string[]): Promise<(CatalogItem | null)[]>;
  /** Cheap existence check used to validate events without loading metadata. */
  has(id: string): boolean;
}
