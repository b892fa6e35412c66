import { assembleDataset, type Dataset } from './dataset.ts';
import type { SyntheticWorld } from './synthetic-data.ts';

/**
 * The synthetic world as a Dataset, so every offline stage (split, embeddings, evaluation) reads
 * one shape whatever the source. Ratings are the world's simulated 0.5..5 ratings, timestamps
 * its simulated ones. Item popularity is recomputed from the interaction counts like for any
 * dataset (log(1 + count) / log(1 + max count)); the world's own `items[i].popularity` is its
 * generating Zipf rank, which the two agree with closely but not exactly.
 */
export function datasetFromSyntheticWorld(world: SyntheticWorld): Dataset {
  const { interactions } = world;
  return assembleDataset({
    source: {
      kind: 'synthetic',
      description: `synthetic world (seed ${world.seed}, ${world.items.length} items, ${world.userIds.length} users, ${interactions.count} interactions)`,
    },
    genres: world.genres,
    items: world.items,
    userIds: world.userIds,
    interactions: {
      count: interactions.count,
      userIndex: interactions.userIndex,
      itemIndex: interactions.itemIndex,
      rating: interactions.weight,
      timestamp: interactions.timestamp,
    },
  });
}
