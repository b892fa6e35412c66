/**
 * The ranking model's input row, shared by training (offline) and serving (refined pass).
 * Changing it changes the model contract: bump FEATURE_LAYOUT_VERSION.
 *
 *   [ user (d) | item (d) | user * item (d) | popularity | user . item ]
 */
export const FEATURE_LAYOUT_VERSION = 1;

export const FEATURE_NAMES_TAIL = ['popularity', 'dot'] as const;

export function featureCount(dimension: number): number {
  return 3 * dimension + FEATURE_NAMES_TAIL.length;
}

/** Writes one row at `row * featureCount(d)` in `out`. Runs once per candidate: keep it allocation-free. */
export function writeFeatureRow(
  out: Float32Array,
  row: number,
  user: Float32Array,
  item: Float32Array,
  popularity: number,
): void {
  const d = user.length;
  const base = row * featureCount(d);
  let dot = 0;
  for (let j = 0; j < d; j++) {
    const u = user[j]!;
    const v = item[j]!;
    out[base + j] = u;
    out[base + d + j] = v;
    out[base + 2 * d + j] = u * v;
    dot += u * v;
  }
  out[base + 3 * d] = popularity;
  out[base + 3 * d + 1] = dot;
}
