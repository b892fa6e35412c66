import { inject } from 'vitest';
import { MemoryEventLog } from '../../src/adapters/memory/memory-event-log.ts';
import { MemoryFeatureStore } from '../../src/adapters/memory/memory-feature-store.ts';
import { MemorySessionStore } from '../../src/adapters/memory/memory-session-store.ts';
import { MemoryTrending } from '../../src/adapters/memory/memory-trending.ts';
import { loadArtifacts } from '../../src/offline/artifacts.ts';
import { eventLogContract } from './event-log.contract.ts';
import { featureStoreContract } from './feature-store.contract.ts';
import { sessionStoreContract } from './session-store.contract.ts';
import { trendingContract } from './trending.contract.ts';

// The in-memory adapters run the same suites the Redis adapters will.
featureStoreContract('memory', async () => {
  const artifacts = await loadArtifacts(inject('artifactsDir'));
  const d = artifacts.manifest.dimension;
  const headUserId = [...artifacts.precomputed.keys()][0]!;
  return {
    store: new MemoryFeatureStore(artifacts),
    expected: {
      userId: artifacts.userIds[3]!,
      userVector: artifacts.userVectors.slice(3 * d, 4 * d),
      itemId: artifacts.items[7]!.id,
      itemVector: artifacts.itemVectors.slice(7 * d, 8 * d),
      popularity: artifacts.items[7]!.popularity,
      genreMask: artifacts.items[7]!.genres.reduce((m, g) => m | (1 << artifacts.manifest.genres.indexOf(g)), 0),
      year: artifacts.items[7]!.year,
      headUserId,
    },
  };
});
sessionStoreContract('memory', async () => new MemorySessionStore());
eventLogContract('memory', async () => new MemoryEventLog());
trendingContract('memory', async (baseline) => new MemoryTrending(baseline));
