import type { UserSequences } from './user-sequences.ts';

/**
 * Each user's share of positives per genre (rows sum to 1; a user with no positives gets the
 * share over all their interactions, and a user with none at all gets zeros). Input to the
 * ranker's genre-affinity feature, served from the feature store.
 */
export function genreProfiles(
  sequences: UserSequences,
  itemGenreMask: Uint32Array,
  genreCount: number,
  positiveThreshold: number,
): Float32Array {
  const users = sequences.userOffsets.length - 1;
  const out = new Float32Array(users * genreCount);
  for (let u = 0; u < users; u++) {
    const start = sequences.userOffsets[u]!;
    const end = sequences.userOffsets[u + 1]!;
    const row = out.subarray(u * genreCount, (u + 1) * genreCount);
    let total = accumulate(sequences, itemGenreMask, row, start, end, positiveThreshold);
    if (total === 0) total = accumulate(sequences, itemGenreMask, row, start, end, -Infinity);
    if (total > 0) for (let g = 0; g < genreCount; g++) row[g]! /= total;
  }
  return out;
}

function accumulate(
  sequences: UserSequences,
  itemGenreMask: Uint32Array,
  row: Float32Array,
  start: number,
  end: number,
  threshold: number,
): number {
  let total = 0;
  for (let i = start; i < end; i++) {
    if (sequences.rating[i]! < threshold) continue;
    const mask = itemGenreMask[sequences.itemIndex[i]!]!;
    for (let g = 0; g < row.length; g++) {
      if (mask & (1 << g)) {
        row[g]! += 1;
        total += 1;
      }
    }
  }
  return total;
}
