/**
 * The ranking model's input row, shared by training (offline) and serving (refined pass).
 * Changing it changes the model contract: bump FEATURE_LAYOUT_VERSION (the gateway refuses
 * a model whose manifest names another version).
 *
 *   [ user (d) | item (d) | user * item (d) | user . item | popularity | genre affinity |
 *     item year | has year | session strength | session . item ]
 */
export const FEATURE_LAYOUT_VERSION = 2;

export const FEATURE_NAMES_TAIL = [
  'dot',
  'popularity',
  'genreAffinity',
  'itemYear',
  'hasYear',
  'sessionStrength',
  'sessionSimilarity',
] as const;

export function featureCount(dimension: number): number {
  return 3 * dimension + FEATURE_NAMES_TAIL.length;
}

/** Years map onto [0, 1] over this range; the model sees how recent an item is. */
export const YEAR_MIN = 1900;
export const YEAR_MAX = 2030;
/** Session weight (sum of decayed event weights) at which the session counts fully. */
export const SESSION_STRENGTH_FULL = 5;

/** Per-viewer inputs, the same for every candidate of one request. */
export interface ViewerInputs {
  /** The user's embedding, or the session direction for an anonymous session. */
  readonly user: Float32Array;
  /** Share of the viewer's positives per genre (sums to 1), or zeros when unknown. */
  readonly genreProfile: Float32Array;
  /** Unit session direction, or null without a live session. */
  readonly sessionDirection: Float32Array | null;
  /** Decayed session weight (0 without a session). */
  readonly sessionWeight: number;
}

/** Per-candidate inputs. */
export interface ItemInputs {
  readonly vector: Float32Array;
  readonly popularity: number;
  /** Bit g set when the item has genre g of the artifacts' genre list. */
  readonly genreMask: number;
  readonly year: number | null;
}

/** Mean of the viewer's profile over the item's genres: how much the viewer likes what this item is. */
export function genreAffinity(profile: Float32Array, genreMask: number): number {
  if (genreMask === 0) return 0;
  let sum = 0;
  let count = 0;
  for (let g = 0; g < profile.length; g++) {
    if (genreMask & (1 << g)) {
      sum += profile[g]!;
      count++;
    }
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * Writes one row at `row * featureCount(d)` in `out`. Runs once per candidate (500 a request):
 * allocation-free, the two copied blocks copied whole, and the two sums in one loop so
 * they run side by side; each sum still adds in index order, so rows are the same to the bit.
 */
export function writeFeatureRow(out: Float32Array, row: number, viewer: ViewerInputs, item: ItemInputs): void {
  const user = viewer.user;
  const vector = item.vector;
  const d = user.length;
  // A vector of another length would copy over the next block (the matrix is reused: no NaN would show it).
  if (vector.length !== d) throw new RangeError(`item vector has ${vector.length} dimensions, the viewer's has ${d}`);
  const base = row * featureCount(d);
  out.set(user, base);
  out.set(vector, base + d);
  const products = base + 2 * d;
  let dot = 0;
  let sessionSimilarity = 0;
  const session = viewer.sessionDirection;
  if (session) {
    for (let j = 0; j < d; j++) {
      const v = vector[j]!;
      const p = user[j]! * v;
      out[products + j] = p;
      dot += p;
      sessionSimilarity += session[j]! * v;
    }
  } else {
    for (let j = 0; j < d; j++) {
      const p = user[j]! * vector[j]!;
      out[products + j] = p;
      dot += p;
    }
  }
  const tail = base + 3 * d;
  out[tail] = dot;
  out[tail + 1] = item.popularity;
  out[tail + 2] = genreAffinity(viewer.genreProfile, item.genreMask);
  out[tail + 3] = item.year === null ? 0 : Math.min(1, Math.max(0, (item.year - YEAR_MIN) / (YEAR_MAX - YEAR_MIN)));
  out[tail + 4] = item.year === null ? 0 : 1;
  out[tail + 5] = Math.min(1, viewer.sessionWeight / SESSION_STRENGTH_FULL);
  out[tail + 6] = sessionSimilarity;
}
