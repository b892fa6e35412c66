import type { Config, Surface } from '../config.ts';
import type { CandidateIndex } from '../ports/candidate-index.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { FeatureStore } from '../ports/feature-store.ts';
import type { ObservedRanker, Ranker } from '../ports/ranker.ts';
import type { SessionStore } from '../ports/session-store.ts';
import type { TrendingSource } from '../ports/trending.ts';

/** Everything the domain needs, behind ports. Built once in the composition root. */
export interface PipelineServices {
  readonly featureStore: FeatureStore;
  readonly catalog: Catalog;
  readonly candidateIndex: CandidateIndex;
  /** The in-process (light) ranker: always there, the fallback of the remote one. */
  readonly ranker: Ranker;
  /** The remote (heavy) ranker when INFERENCE_ENDPOINTS is set; null otherwise. */
  readonly remoteRanker: ObservedRanker | null;
  readonly sessions: SessionStore;
  readonly events: EventLog;
  readonly trending: TrendingSource;
  readonly budgetsMs: Readonly<Record<Surface, number>>;
}

export type PipelineConfig = Pick<Config, 'budgetsMs'>;
