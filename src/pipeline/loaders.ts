import DataLoader from 'dataloader';
import type { CatalogItem } from '../ports/catalog.ts';
import type { ItemFeatures, UserFeatures } from '../ports/feature-store.ts';
import type { PipelineServices } from './services.ts';

/**
 * Per-request DataLoaders: every read of one kind made while a request resolves becomes one
 * store call. Created with the request context; never shared between requests (they cache).
 */
export interface RequestLoaders {
  readonly user: DataLoader<string, UserFeatures | null>;
  readonly itemFeatures: DataLoader<string, ItemFeatures | null>;
  readonly item: DataLoader<string, CatalogItem | null>;
}

export function createLoaders(services: Pick<PipelineServices, 'featureStore' | 'catalog'>): RequestLoaders {
  return {
    user: new DataLoader((ids) => services.featureStore.getUserFeatures(ids)),
    itemFeatures: new DataLoader((ids) => services.featureStore.getItemFeatures(ids)),
    item: new DataLoader((ids) => services.catalog.getItems(ids)),
  };
}
