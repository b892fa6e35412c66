import type { FeatureStore, ItemFeatures, ScoredItemId } from '../../ports/feature-store.ts';
import type { Artifacts } from '../../offline/artifacts.ts';

/** In-memory feature store over a loaded artifacts folder: the embedded default. Vectors are views, not copies. */
export class MemoryFeatureStore implements FeatureStore {
  readonly dimension: number;
  private readonly userRow = new Map<string, number>();
  private readonly itemRow = new Map<string, number>();

  constructor(private readonly artifacts: Artifacts) {
    this.dimension = artifacts.manifest.dimension;
    artifacts.userIds.forEach((id, row) => this.userRow.set(id, row));
    artifacts.items.forEach((item, row) => this.itemRow.set(item.id, row));
  }

  async getUserVectors(userIds: readonly string[]): Promise<(Float32Array | null)[]> {
    return userIds.map((id) => this.rowOf(this.artifacts.userVectors, this.userRow.get(id)));
  }

  async getItemFeatures(itemIds: readonly string[]): Promise<(ItemFeatures | null)[]> {
    return itemIds.map((id) => {
      const row = this.itemRow.get(id);
      const vector = this.rowOf(this.artifacts.itemVectors, row);
      return vector ? { vector, popularity: this.artifacts.items[row!]!.popularity } : null;
    });
  }

  async getPrecomputed(userId: string): Promise<readonly ScoredItemId[] | null> {
    return this.artifacts.precomputed.get(userId) ?? null;
  }

  private rowOf(matrix: Float32Array, row: number | undefined): Float32Array | null {
    if (row === undefined) return null;
    return matrix.subarray(row * this.dimension, (row + 1) * this.dimension);
  }
}
