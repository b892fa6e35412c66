import type { Surface } from '../config.ts';
import type { Viewer } from '../gateway/identity.ts';
import { CANDIDATE_COUNT, loadViewerState, retrieveCandidates, searchesIndex, type CandidateSet, type ViewerState } from './candidates.ts';
import { Deadline } from './deadline.ts';
import type { RequestLoaders } from './loaders.ts';
import type { RankedItem, RankingResult } from './ranking-result.ts';
import { hybridScorer } from './ranking-policy.ts';
import { readItemFeatureColumns } from './item-feature-columns.ts';
import { refineCandidates } from './refine.ts';
import type { PipelineServices } from './services.ts';

/**
 * One feed request: created by the `feed` resolver, with an absolute deadline from the
 * surface's budget. Every stage is lazy and computed at most once, so a field the operation
 * did not select costs nothing, and `refined` reuses the candidates `coarse` fetched.
 */
export class FeedPlan {
  readonly deadline: Deadline;
  private readonly startedAt = performance.now();
  private viewerState?: Promise<ViewerState>;
  private candidateSet?: Promise<CandidateSet>;
  private coarseResult?: Promise<RankingResult>;
  private refinedResult?: Promise<RankingResult>;

  constructor(
    readonly viewer: Viewer,
    readonly surface: Surface,
    readonly first: number,
    private readonly services: PipelineServices,
    private readonly loaders: RequestLoaders,
  ) {
    this.deadline = Deadline.after(services.budgetsMs[surface], this.startedAt);
  }

  private state(): Promise<ViewerState> {
    return (this.viewerState ??= loadViewerState(this.viewer, this.services, this.loaders));
  }

  /**
   * The candidates the refined pass ranks (CANDIDATE_COUNT, a full index search when retrieval
   * searches). That search waits one turn of the event loop: the coarse page, from a quick
   * search of its own, is written first.
   */
  candidates(): Promise<CandidateSet> {
    return (this.candidateSet ??= this.state().then(async (state) => {
      if (searchesIndex(state)) await nextTurn();
      return retrieveCandidates(state, this.services, { count: CANDIDATE_COUNT, coldStartCount: this.first });
    }));
  }

  /**
   * Retrieval order; never waits on a model. When retrieval searches the index the page comes
   * from a quick search for just `first` items (a fifth of the full search's time), so the first
   * payload does not wait for the full search; otherwise it is the head of the candidates.
   */
  coarse(): Promise<RankingResult> {
    return (this.coarseResult ??= this.state().then(async (state) => {
      const set = searchesIndex(state)
        ? await retrieveCandidates(state, this.services, { count: this.first, effort: 'quick' })
        : await this.candidates();
      return this.coarseOf(set, set.degradedReason ?? null);
    }));
  }

  /** Model order within the deadline, or the coarse order marked degraded with the reason. */
  refined(): Promise<RankingResult> {
    return (this.refinedResult ??= this.candidates().then(async (set) => {
      // No viewer inputs because a store failed: nothing to rank with, and the reason is the outage, not a cold start.
      if (!set.viewer && set.degradedReason) return this.coarseOf(set, set.degradedReason);
      // One turn of the event loop before the heavy synchronous work (the full search, or else the
      // feature rows): the coarse answer, which needs only promise jobs when the stores answer
      // from memory, is written first. Once only: after a search, the features are read in the
      // same turn, beside the coarse page's item read when the stores are remote.
      if (set.viewer && !searchesIndex(await this.state())) await nextTurn();
      const scorer = hybridScorer(this.surface, this.services.ranker, this.services.remoteRanker);
      const ranker = this.services.ranker;
      const matrixOf = ranker.featureMatrix ? (length: number) => ranker.featureMatrix!(length) : undefined;
      const outcome = await refineCandidates(set, this.first, scorer, (ids, rowHints) => readItemFeatureColumns(this.services.featureStore, ids, rowHints), this.deadline, matrixOf);
      if (!outcome.ok) return this.coarseOf(set, outcome.reason);
      // Model-ranked, but from what was left when a store failed (the session, typically).
      const storeFailure = set.degradedReason ?? null;
      return {
        stage: 'REFINED',
        source: set.source,
        model: outcome.model,
        degraded: storeFailure !== null,
        degradedReason: storeFailure,
        latencyMs: this.elapsedMs(),
        items: outcome.items,
      };
    }));
  }

  private coarseOf(set: CandidateSet, degradedReason: RankingResult['degradedReason']): RankingResult {
    const items = set.candidates.slice(0, this.first).map((c, i): RankedItem => ({
      position: i + 1,
      score: c.score,
      itemId: c.itemId,
      source: set.source,
      similarity: set.source === 'TRENDING' ? null : c.score,
      modelScored: false,
    }));
    return {
      stage: 'COARSE',
      source: set.source,
      model: null,
      degraded: degradedReason !== null,
      degradedReason,
      latencyMs: this.elapsedMs(),
      items,
    };
  }

  private elapsedMs(): number {
    return Math.round((performance.now() - this.startedAt) * 1000) / 1000;
  }
}

/** Resolves on the next turn of the event loop, after pending I/O callbacks and promise jobs. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
