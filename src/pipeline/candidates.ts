import type { Viewer } from '../gateway/identity.ts';
import type { CandidateSource } from '../gateway/generated/resolvers-types.ts';
import type { ScoredItemId } from '../ports/feature-store.ts';
import type { RequestLoaders } from './loaders.ts';
import type { PipelineServices } from './services.ts';
import { sessionDirection } from './session-taste.ts';
import { blend } from './vectors.ts';

/** How many candidates retrieval hands to the ranker. */
export const CANDIDATE_COUNT = 500;
/** Share of the session's direction in the query of a known user with a live session. */
export const SESSION_BLEND_WEIGHT = 0.5;

export interface CandidateSet {
  readonly source: CandidateSource;
  /** The viewer's taste as one vector (user blended with session); null on the cold-start path. */
  readonly query: Float32Array | null;
  /** Best first, by retrieval score; items the session just touched are left out. */
  readonly candidates: readonly ScoredItemId[];
}

/**
 * Candidate generation: the whole of the coarse pass. Never calls a ranker.
 * Order of preference: live session (SESSION), precomputed list (PRECOMPUTED), user vector
 * against the index (ANN), trending (TRENDING).
 */
export async function generateCandidates(
  viewer: Viewer,
  services: Pick<PipelineServices, 'featureStore' | 'candidateIndex' | 'sessions' | 'trending'>,
  loaders: Pick<RequestLoaders, 'userVector'>,
  nowMs: number = Date.now(),
): Promise<CandidateSet> {
  const [userVector, session] = await Promise.all([
    viewer.userId ? loaders.userVector.load(viewer.userId) : null,
    viewer.key ? services.sessions.get(viewer.key) : null,
  ]);
  const sessionVector = sessionDirection(session, nowMs);
  if (sessionVector) {
    const query = userVector ? blend(userVector, sessionVector, SESSION_BLEND_WEIGHT) : sessionVector;
    const exclude = new Set(session!.recentItemIds);
    const found = await services.candidateIndex.search(query, CANDIDATE_COUNT + exclude.size);
    const candidates = found.filter((c) => !exclude.has(c.itemId)).slice(0, CANDIDATE_COUNT);
    return { source: 'SESSION', query, candidates };
  }
  if (userVector) {
    const precomputed = await services.featureStore.getPrecomputed(viewer.userId!);
    if (precomputed && precomputed.length > 0) {
      return { source: 'PRECOMPUTED', query: userVector, candidates: precomputed.slice(0, CANDIDATE_COUNT) };
    }
    return { source: 'ANN', query: userVector, candidates: await services.candidateIndex.search(userVector, CANDIDATE_COUNT) };
  }
  return { source: 'TRENDING', query: null, candidates: await services.trending.top(CANDIDATE_COUNT) };
}
