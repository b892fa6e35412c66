import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/gateway/identity.ts';
import { CANDIDATE_COUNT } from '../../src/pipeline/candidates.ts';
import { FeedPlan } from '../../src/pipeline/feed-plan.ts';
import { createLoaders } from '../../src/pipeline/loaders.ts';
import type { PipelineServices } from '../../src/pipeline/services.ts';
import type { SearchEffort } from '../../src/ports/candidate-index.ts';
import type { ScoredItemId } from '../../src/ports/feature-store.ts';

const D = 4;
const viewer: Viewer = { id: 'u1', userId: 'u1', sessionId: null, anonymous: false, key: 'user:u1' };

/** Stores answering from memory; an index that logs each search (k, effort) as it happens. */
function services(precomputed: readonly ScoredItemId[] | null, log: string[]): PipelineServices {
  const ranked = (k: number): ScoredItemId[] => Array.from({ length: k }, (_, i) => ({ itemId: `i${i}`, score: 1 - i / 1000 }));
  return {
    featureStore: {
      dimension: D,
      genres: ['Drama'],
      getUserFeatures: async (ids: readonly string[]) => ids.map(() => ({ vector: new Float32Array(D).fill(0.5), genreProfile: new Float32Array(1) })),
      getItemFeatures: async () => [],
      getPrecomputed: async () => precomputed,
    },
    sessions: { get: async () => null },
    candidateIndex: {
      dimension: D,
      size: 1000,
      search: async (_query: Float32Array, k: number, effort: SearchEffort = 'full') => {
        log.push(`search ${k} ${effort}`);
        return ranked(k);
      },
    },
    trending: { top: async (k: number) => ranked(k) },
    budgetsMs: { HOME: 150, ITEM_DETAIL: 100, SEARCH: 100, CHECKOUT: 50 },
  } as unknown as PipelineServices;
}

describe('FeedPlan: the coarse page does not wait for the full search', () => {
  it('answers the coarse page from a quick search of `first` items; the full search runs a turn later', async () => {
    const log: string[] = [];
    const svc = services(null, log);
    const plan = new FeedPlan(viewer, 'HOME', 20, svc, createLoaders(svc));
    const candidates = plan.candidates(); // the refined stage asks first, as the resolvers may
    const coarse = await plan.coarse();
    log.push('coarse ready');
    expect(coarse.source).toBe('ANN');
    expect(coarse.items).toHaveLength(20);
    expect((await candidates).candidates).toHaveLength(CANDIDATE_COUNT);
    expect(log).toEqual(['search 20 quick', 'coarse ready', `search ${CANDIDATE_COUNT} full`]);
  });

  it('takes a precomputed list as it is for both (no search at all)', async () => {
    const log: string[] = [];
    const list = Array.from({ length: 600 }, (_, i) => ({ itemId: `p${i}`, score: 1 - i / 1000 }));
    const svc = services(list, log);
    const plan = new FeedPlan(viewer, 'HOME', 20, svc, createLoaders(svc));
    const coarse = await plan.coarse();
    expect(coarse.source).toBe('PRECOMPUTED');
    expect(coarse.items.map((i) => i.itemId)).toEqual(list.slice(0, 20).map((i) => i.itemId));
    expect((await plan.candidates()).candidates).toHaveLength(CANDIDATE_COUNT);
    expect(log).toEqual([]);
  });
});
