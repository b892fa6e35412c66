import { inject } from 'vitest';
import { MemoryEventLog } from '../../src/adapters/memory/memory-event-log.ts';
import { MemoryFeatureStore } from '../../src/adapters/memory/memory-feature-store.ts';
import { MemorySessionStore } from '../../src/adapters/memory/memory-session-store.ts';
import { MemoryTrending } from '../../src/adapters/memory/memory-trending.ts';
import { loadArtifacts } from '../../src/offline/artifacts.ts';
import { eventLogContract } from './event-log.contract.ts';
import { expectedFeatures, featureStoreContract } from './feature-store.contract.ts';
import { sessionStoreContract } from './session-store.contract.ts';
import { trendingContract } from './trending.contract.ts';

// The in-memory adapters run the same suites the Redis adapters will.
featureStoreContract('memory', async () => {
  const artifacts = await loadArtifacts(inject('artifactsDir'));
  return { store: new MemoryFeatureStore(artifacts), expected: expectedFeatures(artifacts) };
});
sessionStoreContract('memory', async () => new MemorySessionStore());
eventLogContract('memory', async () => new MemoryEventLog());
trendingContract('memory', async (baseline) => new MemoryTrending(baseline));
