import type { PipelineServices } from '../pipeline/services.ts';
import type { CandidateIndex, SearchEffort } from '../ports/candidate-index.ts';
import type { FeatureStore } from '../ports/feature-store.ts';
import type { Ranker } from '../ports/ranker.ts';
import { RankerError } from '../ports/ranker.ts';
import { instruments } from './instruments.ts';
import { ATTR, SPAN } from './names.ts';
import { withSpan } from './spans.ts';

export type RankingBackend = 'local' | 'remote';

/**
 * The services with their ports decorated for observability, the pipeline unchanged:
 * feature-store reads become `features.load` spans, ANN searches `candidate_index.search`
 * spans, and each ranker's score() a `ranking.score` span plus the ranking-latency histogram
 * by backend. Everything else of each adapter (extra methods, getters) passes through.
 */
export function traceServices(services: PipelineServices): PipelineServices {
  return {
    ...services,
    featureStore: traceFeatureStore(services.featureStore),
    candidateIndex: traceCandidateIndex(services.candidateIndex),
    ranker: traceRanker(services.ranker, 'local'),
    remoteRanker: services.remoteRanker ? traceRanker(services.remoteRanker, 'remote') : null,
  };
}

export function traceFeatureStore(store: FeatureStore): FeatureStore {
  return decorate(store, {
    getUserFeatures: (ids: readonly string[]) =>
      withSpan(SPAN.FEATURE_LOAD, { [ATTR.FEATURE_KIND]: 'user', [ATTR.FEATURE_KEYS]: ids.length }, () => store.getUserFeatures(ids)),
    getItemFeatures: (ids: readonly string[]) =>
      withSpan(SPAN.FEATURE_LOAD, { [ATTR.FEATURE_KIND]: 'item', [ATTR.FEATURE_KEYS]: ids.length }, () => store.getItemFeatures(ids)),
    // Only where the store has columns of its own: elsewhere readItemFeatureColumns packs getItemFeatures (spanned above).
    ...(store.getItemFeatureColumns
      ? {
          getItemFeatureColumns: (ids: readonly string[], rowHints?: ArrayLike<number>) =>
            withSpan(SPAN.FEATURE_LOAD, { [ATTR.FEATURE_KIND]: 'item', [ATTR.FEATURE_KEYS]: ids.length }, () => store.getItemFeatureColumns!(ids, rowHints)),
        }
      : {}),
    getPrecomputed: (userId: string) =>
      withSpan(SPAN.FEATURE_LOAD, { [ATTR.FEATURE_KIND]: 'precomputed', [ATTR.FEATURE_KEYS]: 1 }, () => store.getPrecomputed(userId)),
  });
}

export function traceCandidateIndex(index: CandidateIndex): CandidateIndex {
  return decorate(index, {
    search: (query: Float32Array, k: number, effort?: SearchEffort) =>
      withSpan(SPAN.CANDIDATE_INDEX_SEARCH, { [ATTR.CANDIDATE_COUNT]: k }, () => index.search(query, k, effort)),
  });
}

/** A ranker (or observed ranker) whose score() is spanned and timed; its other members pass through. */
export function traceRanker<R extends Ranker>(ranker: R, backend: RankingBackend): R {
  return decorate(ranker, {
    score: (features: Float32Array, rows: number, deadline: Parameters<Ranker['score']>[2]) => {
      const startedMs = performance.now();
      return withSpan(SPAN.RANKING, { [ATTR.BACKEND]: backend, [ATTR.ROWS]: rows, [ATTR.MODEL]: ranker.modelId }, () => ranker.score(features, rows, deadline)).then(
        (scores) => {
          instruments().rankingDuration.record((performance.now() - startedMs) / 1000, { [ATTR.BACKEND]: backend, [ATTR.OUTCOME]: 'ok' });
          return scores;
        },
        (error: unknown) => {
          const outcome = error instanceof RankerError ? error.reason : 'error';
          instruments().rankingDuration.record((performance.now() - startedMs) / 1000, { [ATTR.BACKEND]: backend, [ATTR.OUTCOME]: outcome });
          throw error;
        },
      );
    },
  } as Partial<R>);
}

/**
 * `target` with some methods replaced. A Proxy rather than a copy, so getters, extra methods
 * and methods added to a port later keep working (called on the real object).
 */
function decorate<T extends object>(target: T, overrides: Partial<T>): T {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(t, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof T];
      const value = Reflect.get(t, prop, t) as unknown;
      if (typeof value !== 'function') return value;
      let fn = bound.get(prop);
      if (!fn) bound.set(prop, (fn = (value as (...args: unknown[]) => unknown).bind(t)));
      return fn;
    },
  });
}
