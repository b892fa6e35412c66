import type { FeatureStore, ItemFeatureColumns, ItemFeatures } from '../ports/feature-store.ts';

/**
 * The candidates' features in columns: from the store's own columns when it has them,
 * otherwise packed from `getItemFeatures` (one copy of each vector).
 */
export function readItemFeatureColumns(store: FeatureStore, itemIds: readonly string[], rowHints?: ArrayLike<number>): Promise<ItemFeatureColumns> {
  if (store.getItemFeatureColumns) return store.getItemFeatureColumns(itemIds, rowHints);
  return store.getItemFeatures(itemIds).then((features) => itemFeatureColumnsOf(features, store.dimension));
}

/** Packs per-item features (null: no such item) into columns; a vector of another dimension is refused. */
export function itemFeatureColumnsOf(features: readonly (ItemFeatures | null)[], dimension: number): ItemFeatureColumns {
  const n = features.length;
  const columns = {
    vectorStart: new Int32Array(n),
    vectors: new Float32Array(n * dimension),
    popularity: new Float64Array(n),
    genreMask: new Uint32Array(n),
    year: new Float64Array(n),
  };
  features.forEach((f, i) => {
    if (!f) {
      columns.vectorStart[i] = -1;
      return;
    }
    if (f.vector.length !== dimension) throw new RangeError(`item vector has ${f.vector.length} dimensions, the store's have ${dimension}`);
    columns.vectorStart[i] = i * dimension;
    columns.vectors.set(f.vector, i * dimension);
    columns.popularity[i] = f.popularity;
    columns.genreMask[i] = f.genreMask;
    columns.year[i] = f.year ?? Number.NaN;
  });
  return columns;
}
