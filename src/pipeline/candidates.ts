import type { Viewer } from '../gateway/identity.ts';
import type { CandidateSource, DegradedReason } from '../gateway/generated/resolvers-types.ts';
import type { SearchEffort } from '../ports/candidate-index.ts';
import type { ScoredItemId, UserFeatures } from '../ports/feature-store.ts';
import type { SessionState } from '../ports/session-store.ts';
import type { ViewerInputs } from './feature-layout.ts';
import type { RequestLoaders } from './loaders.ts';
import type { PipelineServices } from './services.ts';
import { sessionDirection, sessionWeightAt } from './session-taste.ts';
import { blend } from './vectors.ts';

/** How many candidates retrieval hands to the ranker. */
export const CANDIDATE_COUNT = 500;
/** Share of the session's direction in the query of a known user with a live session. */
export const SESSION_BLEND_WEIGHT = 0.5;

export interface CandidateSet {
  readonly source: CandidateSource;
  /** What the ranker needs to know of the viewer; null on the cold-start path (nothing to personalise with). */
  readonly viewer: ViewerInputs | null;
  /** Best first, by retrieval score; items the session just touched are left out. */
  readonly candidates: readonly ScoredItemId[];
  /**
   * Set when a store failed and the set is a fallback (BACKEND_UNAVAILABLE: without the
   * session, or trending instead of the viewer's own candidates); both rankings are then
   * marked degraded, and neither is cached.
   */
  readonly degradedReason?: DegradedReason | null;
}

const UNAVAILABLE = Symbol('unavailable');

/** What candidate generation knows of the viewer: read once per request, the store reads side by side. */
export interface ViewerState {
  readonly user: UserFeatures | null;
  readonly session: SessionState | null;
  readonly precomputed: readonly ScoredItemId[] | null;
  readonly degradedReason: DegradedReason | null;
  /** Unit direction of the live session, or null. */
  readonly direction: Float32Array | null;
  readonly genreProfile: Float32Array;
  readonly nowMs: number;
}

/**
 * Reads what retrieval needs of the viewer. A failed store read (Redis down) is not an error
 * here: no user features / no session, and the set says it is degraded. The precomputed list is
 * read beside the user and the session, not after them: one round trip to the store instead
 * of two (a session viewer does not use it: one wasted GET). A list that cannot be read is
 * skipped: the user's vector against the index is as good.
 */
export async function loadViewerState(
  viewer: Viewer,
  services: Pick<PipelineServices, 'featureStore' | 'sessions'>,
  loaders: Pick<RequestLoaders, 'user'>,
  nowMs = Date.now(),
): Promise<ViewerState> {
  const [loadedUser, loadedSession, precomputed] = await Promise.all([
    viewer.userId ? loaders.user.load(viewer.userId).catch((): typeof UNAVAILABLE => UNAVAILABLE) : null,
    viewer.key ? services.sessions.get(viewer.key).catch((): typeof UNAVAILABLE => UNAVAILABLE) : null,
    viewer.userId ? services.featureStore.getPrecomputed(viewer.userId).catch(() => null) : null,
  ]);
  const user = loadedUser === UNAVAILABLE ? null : loadedUser;
  const session = loadedSession === UNAVAILABLE ? null : loadedSession;
  return {
    user,
    session,
    precomputed,
    degradedReason: loadedUser === UNAVAILABLE || loadedSession === UNAVAILABLE ? 'BACKEND_UNAVAILABLE' : null,
    direction: sessionDirection(session, nowMs),
    genreProfile: user?.genreProfile ?? new Float32Array(services.featureStore.genres.length),
    nowMs,
  };
}

/** Whether retrieval for this viewer searches the index (a live session, or a user without a precomputed list). */
export function searchesIndex(state: ViewerState): boolean {
  return state.direction !== null || (state.user !== null && !(state.precomputed && state.precomputed.length > 0));
}

/**
 * Candidate generation: the whole of the coarse pass. Never calls a ranker.
 * Order of preference: live session (SESSION), precomputed list (PRECOMPUTED), user vector
 * against the index (ANN), trending (TRENDING). `count` candidates at most; `effort: 'quick'`
 * lets the index search less hard (a coarse first page that a full search replaces).
 */
export async function retrieveCandidates(
  state: ViewerState,
  services: Pick<PipelineServices, 'candidateIndex' | 'trending'>,
  options: {
    readonly count: number;
    readonly effort?: SearchEffort;
    /**
     * How many trending items a cold start needs: no model ranks them (nothing to personalise
     * with), so the page size is enough.
     */
    readonly coldStartCount?: number;
  },
): Promise<CandidateSet> {
  const { user, session, direction, genreProfile, degradedReason, nowMs } = state;
  const { count, effort = 'full' } = options;
  if (direction) {
    const query = user ? blend(user.vector, direction, SESSION_BLEND_WEIGHT) : direction;
    const exclude = new Set(session!.recentItemIds);
    const found = await services.candidateIndex.search(query, count + exclude.size, effort);
    const candidates = found.filter((c) => !exclude.has(c.itemId)).slice(0, count);
    const inputs: ViewerInputs = {
      user: user?.vector ?? direction,
      genreProfile,
      sessionDirection: direction,
      sessionWeight: sessionWeightAt(session, nowMs),
    };
    return { source: 'SESSION', viewer: inputs, candidates, degradedReason };
  }
  if (user) {
    const inputs: ViewerInputs = { user: user.vector, genreProfile, sessionDirection: null, sessionWeight: 0 };
    const precomputed = state.precomputed;
    if (precomputed && precomputed.length > 0) {
      return { source: 'PRECOMPUTED', viewer: inputs, candidates: precomputed.slice(0, count), degradedReason };
    }
    return { source: 'ANN', viewer: inputs, candidates: await services.candidateIndex.search(user.vector, count, effort), degradedReason };
  }
  return { source: 'TRENDING', viewer: null, candidates: await services.trending.top(options.coldStartCount ?? count), degradedReason };
}
