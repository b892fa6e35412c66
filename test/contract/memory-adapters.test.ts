import { describe, expect, inject, it } from 'vitest';
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

describe('MemoryEventLog (bounded ring)', () => {
  it('keeps the last maxEvents events, oldest first, with the ids it gave them', async () => {
    const log = new MemoryEventLog(5, 3);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await log.append({ viewerKey: `u:${i}`, itemId: String(i), type: 'VIEW', occurredAt: 1_000 + i }));
    expect(log.length).toBe(5);
    expect(log.recent(3)).toEqual([9, 10, 11].map((i) => ({ eventId: ids[i], viewerKey: `u:${i}`, itemId: String(i), type: 'VIEW', occurredAt: 1_000 + i })));
    expect(log.recent(100).map((e) => e.itemId)).toEqual(['7', '8', '9', '10', '11']);
    expect(await log.counts()).toEqual({ accepted: 12, deadLettered: 0 });
    // Before the ring is full, the order is the append order too.
    const young = new MemoryEventLog(5, 3);
    for (let i = 0; i < 3; i++) await young.append({ viewerKey: 'u:1', itemId: String(i), type: 'CLICK', occurredAt: i });
    expect(young.recent(10).map((e) => e.itemId)).toEqual(['0', '1', '2']);
  });
});
