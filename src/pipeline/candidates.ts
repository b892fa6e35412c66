import type { Viewer } from '../gateway/identity.ts';
import type { CandidateSource, DegradedReason } from '../gateway/generated/resolvers-types.ts';
import type { ScoredItemId } from '../ports/feature-store.ts';
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

/**
 * Candidate generation: the whole of the coarse pass. Never calls a ranker.
 * Order of preference: live session (SESSION), precomputed list (PRECOMPUTED), user vector
 * against the index (ANN), trending (TRENDING).
 */
export async function generateCandidates(
  viewer: Viewer,
  services: Pick<PipelineServices, 'featureStore' | 'candidateIndex' | 'sessions' | 'trending'>,
  loaders: Pick<RequestLoaders, 'user'>,
  options: {
    /**
     * How many trending items a cold start needs: no model ranks them (nothing to personalise
     * with), so the page size is enough.
     */
    readonly coldStartCount?: number;
    readonly nowMs?: number;
  } = {},
): Promise<CandidateSet> {
  const nowMs = options.nowMs ?? Date.now();
  // A failed store read (Redis down) is not an error here: no user features / no session,
  // and the answer says it is degraded.
  // The precomputed list is read beside the user and the session, not after them: one round
  // trip to the store instead of two. A session viewer does not use it (one wasted GET).
  // A list that cannot be read is skipped: the user's vector against the index is as good.
  const precomputedRead = viewer.userId ? services.featureStore.getPrecomputed(viewer.userId).catch(() => null) : null;
  const [loadedUser, loadedSession] = await Promise.all([
    viewer.userId ? loaders.user.load(viewer.userId).catch((): typeof UNAVAILABLE => UNAVAILABLE) : null,
    viewer.key ? services.sessions.get(viewer.key).catch((): typeof UNAVAILABLE => UNAVAILABLE) : null,
  ]);
  const user = loadedUser === UNAVAILABLE ? null : loadedUser;
  const session = loadedSession === UNAVAILABLE ? null : loadedSession;
  const degradedReason: DegradedReason | null = loadedUser === UNAVAILABLE || loadedSession === UNAVAILABLE ? 'BACKEND_UNAVAILABLE' : null;
  const direction = sessionDirection(session, nowMs);
  const genreProfile = user?.genreProfile ?? new Float32Array(services.featureStore.genres.length);
  if (direction) {
    const query = user ? blend(user.vector, direction, SESSION_BLEND_WEIGHT) : direction;
    const exclude = new Set(session!.recentItemIds);
    const found = await services.candidateIndex.search(query, CANDIDATE_COUNT + exclude.size);
    const candidates = found.filter((c) => !exclude.has(c.itemId)).slice(0, CANDIDATE_COUNT);
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
    const precomputed = await precomputedRead;
    if (precomputed && precomputed.length > 0) {
      return { source: 'PRECOMPUTED', viewer: inputs, candidates: precomputed.slice(0, CANDIDATE_COUNT), degradedReason };
    }
    return { source: 'ANN', viewer: inputs, candidates: await services.candidateIndex.search(user.vector, CANDIDATE_COUNT), degradedReason };
  }
  return { source: 'TRENDING', viewer: null, candidates: await services.trending.top(options.coldStartCount ?? CANDIDATE_COUNT), degradedReason };
}
