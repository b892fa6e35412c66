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

/** Writes one row at `row * featureCount(d)` in `out`, from one item's inputs (training, tests). */
export function writeFeatureRow(out: Float32Array, row: number, viewer: ViewerInputs, item: ItemInputs): void {
  // A vector of another length breaks the store's or the model's contract: refuse it rather than truncate it.
  if (item.vector.length !== viewer.user.length) throw new RangeError(`item vector has ${item.vector.length} dimensions, the viewer's has ${viewer.user.length}`);
  writeFeatureRowFrom(out, row, viewer, item.vector, 0, item.popularity, item.genreMask, item.year ?? Number.NaN);
}

/**
 * `writeFeatureRow` over columns (the refined pass: 500 rows a request): the item's vector is
 * `vectors[start]` on for d values, `year` NaN when unknown. Allocation-free; the user block is
 * copied whole, and the two sums run in one loop, side by side, each still adding in index
 * order, so rows are the same to the bit.
 */
export function writeFeatureRowFrom(
  out: Float32Array,
  row: number,
  viewer: ViewerInputs,
  vectors: Float32Array,
  start: number,
  popularity: number,
  genreMask: number,
  year: number,
): void {
  const user = viewer.user;
  const d = user.length;
  if (!(start >= 0 && start + d <= vectors.length)) throw new RangeError(`no ${d}-dimensional vector at ${start} of ${vectors.length}`);
  const base = row * featureCount(d);
  out.set(user, base);
  const items = base + d;
  const products = base + 2 * d;
  let dot = 0;
  let sessionSimilarity = 0;
  // Without a session the second sum runs over zeros: +0 exactly, as if skipped, and one loop.
  const session = viewer.sessionDirection ?? zeros(d);
  for (let j = 0; j < d; j++) {
    const v = vectors[start + j]!;
    const p = user[j]! * v;
    out[items + j] = v;
    out[products + j] = p;
    dot += p;
    sessionSimilarity += session[j]! * v;
  }
  const hasYear = !Number.isNaN(year);
  const tail = base + 3 * d;
  out[tail] = dot;
  out[tail + 1] = popularity;
  out[tail + 2] = genreAffinity(viewer.genreProfile, genreMask);
  out[tail + 3] = hasYear ? Math.min(1, Math.max(0, (year - YEAR_MIN) / (YEAR_MAX - YEAR_MIN))) : 0;
  out[tail + 4] = hasYear ? 1 : 0;
  out[tail + 5] = Math.min(1, viewer.sessionWeight / SESSION_STRENGTH_FULL);
  out[tail + 6] = sessionSimilarity;
}

let zeroVector = new Float32Array(0);
/** A vector of at least d zeros, kept between rows. */
function zeros(d: number): Float32Array {
  if (zeroVector.length < d) zeroVector = new Float32Array(d);
  return zeroVector;
}
