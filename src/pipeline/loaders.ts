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

/** Each loader is made on first use: most operations need one or two of them, some none. */
class LazyLoaders implements RequestLoaders {
  private userLoader?: DataLoader<string, UserFeatures | null>;
  private itemFeaturesLoader?: DataLoader<string, ItemFeatures | null>;
  private itemLoader?: DataLoader<string, CatalogItem | null>;

  constructor(private readonly services: Pick<PipelineServices, 'featureStore' | 'catalog'>) {}

  get user(): DataLoader<string, UserFeatures | null> {
    return (this.userLoader ??= new DataLoader((ids) => this.services.featureStore.getUserFeatures(ids)));
  }

  get itemFeatures(): DataLoader<string, ItemFeatures | null> {
    return (this.itemFeaturesLoader ??= new DataLoader((ids) => this.services.featureStore.getItemFeatures(ids)));
  }

  get item(): DataLoader<string, CatalogItem | null> {
    return (this.itemLoader ??= new DataLoader((ids) => this.services.catalog.getItems(ids)));
  }
}

export function createLoaders(services: Pick<PipelineServices, 'featureStore' | 'catalog'>): RequestLoaders {
  return new LazyLoaders(services);
}
