import type { ScoredItemId } from '../ports/feature-store.ts';
import { TopK } from '../pipeline/top-k.ts';

/**
 * The candidate lists computed offline: trending (the fallback for unknown users) and which
 * users are head users (their precomputed lists are built in build-artifacts.ts).
 */

/** Scores in the artifacts are rounded: 6 digits keep the order and halve the JSON. */
function roundScore(score: number): number {
  return Math.round(score * 1e6) / 1e6;
}

/**
 * The `length` most interacted items, scored by count / the top count (so the first is 1).
 * Ties go to the lower item index. `itemIds[i]` names item i.
 */
export function trendingList(itemIndex: Uint32Array, itemIds: readonly string[], length: number): ScoredItemId[] {
  const counts = new Uint32Array(itemIds.length);
  for (let k = 0; k < itemIndex.length; k++) counts[itemIndex[k]!]!++;
  const top = new TopK(Math.min(length, itemIds.length));
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) top.push(i, counts[i]!);
  const { indices, scores } = top.result();
  const best = scores[0] ?? 1;
  return Array.from(indices, (i, r) => ({ itemId: itemIds[i]!, score: roundScore(scores[r]! / best) }));
}

/**
 * The `share` most active users (by interaction count; ties to the lower index), in user order.
 * `userOffsets` is the CSR index of interactions by user (length users + 1).
 */
export function headUsers(userOffsets: Uint32Array, share: number): Uint32Array {
  const users = userOffsets.length - 1;
  const count = Math.min(users, Math.round(users * share));
  const top = new TopK(count);
  for (let u = 0; u < users; u++) top.push(u, userOffsets[u + 1]! - userOffsets[u]!);
  return top.result().indices.sort();
}
