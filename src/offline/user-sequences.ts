/**
 * Interactions grouped by user, in time order: what the ranker's example builder and the
 * evaluation read. Structural, so a split's train part or a whole dataset both fit.
 */
export interface UserSequences {
  /** Interactions of user u are [userOffsets[u], userOffsets[u + 1]), oldest first. */
  readonly userOffsets: Uint32Array;
  readonly itemIndex: Uint32Array;
  readonly rating: Float32Array;
  readonly timestamp: Float64Array;
}

export function userCountOf(sequences: UserSequences): number {
  return sequences.userOffsets.length - 1;
}

/**
 * Moves each user's last `perUser` positives out of `sequences`: the ranker learns to predict
 * them from everything before, with embeddings that never saw them (else the user . item
 * feature would look more reliable in training than it is at serving). Users with fewer than
 * `perUser + minKept` positives keep everything.
 */
export function holdOutLastPositives(
  sequences: UserSequences,
  perUser: number,
  positiveThreshold: number,
  minKept = 2,
): { kept: UserSequences; targets: UserSequences } {
  const users = userCountOf(sequences);
  const keep = new Uint8Array(sequences.itemIndex.length).fill(1);
  for (let u = 0; u < users; u++) {
    const start = sequences.userOffsets[u]!;
    const end = sequences.userOffsets[u + 1]!;
    let positives = 0;
    for (let i = start; i < end; i++) if (sequences.rating[i]! >= positiveThreshold) positives++;
    if (positives < perUser + minKept) continue;
    let taken = 0;
    for (let i = end - 1; i >= start && taken < perUser; i--) {
      if (sequences.rating[i]! >= positiveThreshold) {
        keep[i] = 0;
        taken++;
      }
    }
  }
  return { kept: filterSequences(sequences, keep, 1), targets: filterSequences(sequences, keep, 0) };
}

function filterSequences(sequences: UserSequences, flags: Uint8Array, wanted: number): UserSequences {
  const users = userCountOf(sequences);
  let count = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i] === wanted) count++;
  const userOffsets = new Uint32Array(users + 1);
  const itemIndex = new Uint32Array(count);
  const rating = new Float32Array(count);
  const timestamp = new Float64Array(count);
  let n = 0;
  for (let u = 0; u < users; u++) {
    userOffsets[u] = n;
    for (let i = sequences.userOffsets[u]!; i < sequences.userOffsets[u + 1]!; i++) {
      if (flags[i] !== wanted) continue;
      itemIndex[n] = sequences.itemIndex[i]!;
      rating[n] = sequences.rating[i]!;
      timestamp[n] = sequences.timestamp[i]!;
      n++;
    }
  }
  userOffsets[users] = n;
  return { userOffsets, itemIndex, rating, timestamp };
}
