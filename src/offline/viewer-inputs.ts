import type { ViewerInputs } from '../pipeline/feature-layout.ts';
import { EVENT_WEIGHTS } from '../pipeline/session-taste.ts';
import { normalized } from '../pipeline/vectors.ts';
import type { UserSequences } from './user-sequences.ts';

/** Offline stand-in for a live session: the user's last few positives before a moment. */
export const OFFLINE_SESSION_ITEMS = 3;

/**
 * The ranker's per-viewer inputs as serving would build them, for user row `u` at the moment
 * just before interaction `before` of `sequences` (exclusive; pass the user's end offset for
 * "now"). The session is the last OFFLINE_SESSION_ITEMS positives before that moment, each
 * counted as a CLICK; `withSession: false` leaves it out (a viewer with no live session).
 */
export function offlineViewerInputs(
  u: number,
  before: number,
  sequences: UserSequences,
  userVectors: Float32Array,
  itemVectors: Float32Array,
  dimension: number,
  genreProfiles: Float32Array,
  genreCount: number,
  positiveThreshold: number,
  withSession: boolean,
): ViewerInputs {
  const user = userVectors.subarray(u * dimension, (u + 1) * dimension);
  const genreProfile = genreProfiles.subarray(u * genreCount, (u + 1) * genreCount);
  if (!withSession) return { user, genreProfile, sessionDirection: null, sessionWeight: 0 };
  const sum = new Float32Array(dimension);
  let taken = 0;
  for (let i = before - 1; i >= sequences.userOffsets[u]! && taken < OFFLINE_SESSION_ITEMS; i--) {
    if (sequences.rating[i]! < positiveThreshold) continue;
    const item = sequences.itemIndex[i]!;
    for (let j = 0; j < dimension; j++) sum[j]! += itemVectors[item * dimension + j]!;
    taken++;
  }
  if (taken === 0) return { user, genreProfile, sessionDirection: null, sessionWeight: 0 };
  return { user, genreProfile, sessionDirection: normalized(sum), sessionWeight: taken * EVENT_WEIGHTS.CLICK };
}
