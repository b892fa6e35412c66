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

export interface ScoredItemId {
  readonly itemId: string;
  readonly score: number;
}

export interface FeatureStore {
  readonly dimension: number;
  /** The genre list that genre profiles and masks index into. */
  readonly genres: readonly string[];
  getUserFeatures(userIds: readonly string[]): Promise<(UserFeatures | null)[]>;
  getItemFeatures(itemIds: readonly string[]): Promise<(ItemFeatures | null)[]>;
  /** Top-N list computed offline for head users; null for everyone else. */
  getPrecomputed(userId: string): Promise<readonly ScoredItemId[] | null>;
}
