/** Small dense-vector helpers on Float32Array. Hot paths: no allocation beyond the result. */

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** A new unit-length copy; a zero vector stays zero. */
export function normalized(v: Float32Array): Float32Array {
  const norm = Math.sqrt(dot(v, v));
  const out = new Float32Array(v.length);
  if (norm === 0) return out;
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / norm;
  return out;
}

/** normalize(normalize(a) * (1 - weightB) + normalize(b) * weightB) */
export function blend(a: Float32Array, b: Float32Array, weightB: number): Float32Array {
  const na = normalized(a);
  const nb = normalized(b);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = na[i]! * (1 - weightB) + nb[i]! * weightB;
  return normalized(out);
}
