/**
 * Feature store port: vectors and features the pipeline reads per request.
 * Every method takes a batch so a DataLoader can make one round trip per kind per request.
 * A missing key is `null` in the answer, never a rejected batch.
 */
export interface UserFeatures {
  /** The user's embedding, length = the store's dimension. */
  readonly vector: Float32Array;
  /** Share of the user's positives per genre (index = the artifacts' genre list), summing to 1. */
  readonly genreProfile: Float32Array;
}

export interface ItemFeatures {
  /** L2-normalised item embedding, length = the store's dimension. */
  readonly vector: Float32Array;
  /** log-scaled popularity in [0, 1]. */
  readonly popularity: number;
  /** Bit g set when the item has genre g of the genre list. */
  readonly genreMask: number;
  readonly year: number | null;
}

/**
 * Item features of a batch in columns: what the refined pass reads for its ~500 candidates,
 * without an object and a vector view per item (those were ~90 KB of each HomeFeed request's
 * ~440 KB of garbage, in the sampling heap profiler).
 */
export interface ItemFeatureColumns {
  /** Item i's vector is `vectors[vectorStart[i]]` on for the store's dimension; -1 when the store has no such item. */
  readonly vectorStart: Int32Array;
  readonly vectors: Float32Array;
  readonly popularity: Float64Array;
  readonly genreMask: Uint32Array;
  /** NaN where the year is unknown. */
  readonly year: Float64Array;
}

export interface ScoredItemId {
  readonly itemId: string;
  readonly score: number;
  /**
   * The item's row in the catalog order, when whoever made the entry knows it (the candidate
   * index's key, a precomputed list's stored row): a row hint for `getItemFeatureColumns`.
   */
  readonly row?: number;
}

export interface FeatureStore {
  readonly dimension: number;
  /** The genre list that genre profiles and masks index into. */
  readonly genres: readonly string[];
  getUserFeatures(userIds: readonly string[]): Promise<(UserFeatures | null)[]>;
  getItemFeatures(itemIds: readonly string[]): Promise<(ItemFeatures | null)[]>;
  /**
   * The same reads in columns, for a store that can answer so without an object per item (the
   * memory store: views into its own arrays). Absent: `readItemFeatureColumns` packs
   * `getItemFeatures`' answer. `rowHints[i]`, when given, is where `itemIds[i]` may sit in the
   * catalog order (see `ScoredItemId.row`; -1 for unknown): a store kept in that order may read
   * that row after checking the id there (a wrong hint costs only the lookup); others ignore it.
   */
  getItemFeatureColumns?(itemIds: readonly string[], rowHints?: ArrayLike<number>): Promise<ItemFeatureColumns>;
  /** Top-N list computed offline for head users; null for everyone else. */
  getPrecomputed(userId: string): Promise<readonly ScoredItemId[] | null>;
}
