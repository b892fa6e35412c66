/**
 * Feature store port: vectors and features the pipeline reads per request.
 * Every method takes a batch so a DataLoader can make one round trip per kind per request.
 * A missing key is `null` in the answer, never a rejected batch.
 */
export interface ItemFeatures {
  /** L2-normalised item embedding, length = the artifacts' dimension. */
  readonly vector: Float32Array;
  /** log-scaled popularity in [0, 1]. */
  readonly popularity: number;
}

export interface ScoredItemId {
  readonly itemId: string;
  readonly score: number;
}

export interface FeatureStore {
  readonly dimension: number;
  getUserVectors(userIds: readonly string[]): Promise<(Float32Array | null)[]>;
  getItemFeatures(itemIds: readonly string[]): Promise<(ItemFeatures | null)[]>;
  /** Top-N list computed offline for head users; null for everyone else. */
  getPrecomputed(userId: string): Promise<readonly ScoredItemId[] | null>;
}
