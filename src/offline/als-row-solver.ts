import type { EmbeddingSettings } from './train-embeddings.ts';

/**
 * The row solves of implicit ALS: for every row of the side being solved, the least-squares
 * fit against the fixed side with confidence weights. Short rows are solved exactly (Woodbury,
 * Cholesky), long rows by a few conjugate-gradient steps with the Gram (YtY) trick.
 */

/** Sparse rows: row r's entries are [offsets[r], offsets[r + 1]) of `index` / `confidence` (c − 1). */
export interface SparseRows {
  readonly offsets: Uint32Array;
  readonly index: Uint32Array;
  readonly confidence: Float64Array;
}

/**
 * Rows with at most this many entries are solved exactly (Woodbury) when G⁻¹f is precomputed for
 * every fixed row; EXACT_ROW_MAX_UNCACHED when it must be computed per row (O(n d²)). Longer rows
 * take conjugate-gradient steps.
 */
const EXACT_ROW_MAX = 12;
const EXACT_ROW_MAX_UNCACHED = 4;

export class Workspace {
  readonly gram: Float64Array;
  readonly gramInverse: Float64Array;
  readonly r: Float64Array;
  readonly p: Float64Array;
  readonly ap: Float64Array;
  /** Woodbury scratch: Z = G⁻¹ V (n x d), the n x n system, right-hand side. */
  readonly z: Float64Array;
  readonly small: Float64Array;
  readonly rhs: Float64Array;
  readonly w: Float64Array;
  constructor(readonly d: number) {
    this.gram = new Float64Array(d * d);
    this.gramInverse = new Float64Array(d * d);
    this.r = new Float64Array(d);
    this.p = new Float64Array(d);
    this.ap = new Float64Array(d);
    this.z = new Float64Array(EXACT_ROW_MAX * d);
    this.small = new Float64Array(EXACT_ROW_MAX * EXACT_ROW_MAX);
    this.rhs = new Float64Array(EXACT_ROW_MAX);
    this.w = new Float64Array(EXACT_ROW_MAX);
  }
}

/**
 * One half-iteration: every row of `target` with entries solved against the fixed `fixed`
 * factors, A x = b with A = FᵀF + λI + Σ c_k f_k f_kᵀ (c_k = confidence − 1), b = Σ (1 + c_k) f_k.
 * Short rows (most items) exactly by the Woodbury identity, O(n d²); long rows by `cgSteps`
 * conjugate-gradient steps from their current value. Rows without entries are left alone (the
 * caller keeps them at zero during training and fills them at the end).
 */
export function solveRows(target: Float64Array, fixed: Float64Array, rows: SparseRows, s: EmbeddingSettings, w: Workspace): void {
  const d = w.d;
  const { gram } = w;
  // G = FᵀF + λI.
  gram.fill(0);
  const fixedRows = fixed.length / d;
  for (let f = 0; f < fixedRows; f++) {
    const o = f * d;
    for (let a = 0; a < d; a++) {
      const va = fixed[o + a]!;
      if (va === 0) continue;
      const ga = a * d;
      for (let b = a; b < d; b++) gram[ga + b]! += va * fixed[o + b]!;
    }
  }
  for (let a = 0; a < d; a++) {
    gram[a * d + a]! += s.regularization + 1e-9;
    for (let b = a + 1; b < d; b++) gram[b * d + a] = gram[a * d + b]!;
  }
  const invertible = invertSpd(gram, w.gramInverse, d);
  const rowCount = rows.offsets.length - 1;
  // G⁻¹ f for every fixed row costs fixedRows·d²; computing it per short row costs n·d² each.
  let shortEntries = 0;
  for (let row = 0; row < rowCount; row++) {
    const n = rows.offsets[row + 1]! - rows.offsets[row]!;
    if (n <= EXACT_ROW_MAX) shortEntries += n;
  }
  const cached = invertible && shortEntries > fixedRows ? multiplyRows(fixed, w.gramInverse, d) : null;
  const exactMax = !invertible ? 0 : cached ? EXACT_ROW_MAX : EXACT_ROW_MAX_UNCACHED;
  for (let row = 0; row < rowCount; row++) {
    const n = rows.offsets[row + 1]! - rows.offsets[row]!;
    if (n === 0) continue;
    if (n <= exactMax) solveRowExact(target, row, fixed, rows, cached, w);
    else solveRowCg(target, row, fixed, rows, s.cgSteps, w);
  }
}

/** Row f of the result = (row f of `rows`) · m, for a symmetric d x d `m`. */
function multiplyRows(rows: Float64Array, m: Float64Array, d: number): Float64Array {
  const out = new Float64Array(rows.length);
  const count = rows.length / d;
  for (let f = 0; f < count; f++) {
    const o = f * d;
    for (let a = 0; a < d; a++) {
      let sum = 0;
      const ma = a * d;
      for (let b = 0; b < d; b++) sum += m[ma + b]! * rows[o + b]!;
      out[o + a] = sum;
    }
  }
  return out;
}

/**
 * x = A⁻¹ b by Woodbury: with V = [f_1 .. f_n], C = diag(c), u = 1 + c (so b = V u),
 * Z = G⁻¹V and M = VᵀZ: A⁻¹ b = Z (u − s) where (C⁻¹ + M) s = M u.
 */
function solveRowExact(target: Float64Array, row: number, fixed: Float64Array, rows: SparseRows, cached: Float64Array | null, w: Workspace): void {
  const d = w.d;
  const { gramInverse, z, small, rhs, w: u } = w;
  const start = rows.offsets[row]!;
  const n = rows.offsets[row + 1]! - start;
  for (let k = 0; k < n; k++) {
    const fo = rows.index[start + k]! * d;
    const zo = k * d;
    if (cached) {
      for (let a = 0; a < d; a++) z[zo + a] = cached[fo + a]!;
    } else {
      for (let a = 0; a < d; a++) {
        let sum = 0;
        const ga = a * d;
        for (let b = 0; b < d; b++) sum += gramInverse[ga + b]! * fixed[fo + b]!;
        z[zo + a] = sum;
      }
    }
    u[k] = 1 + rows.confidence[start + k]!;
  }
  for (let k = 0; k < n; k++) {
    const fo = rows.index[start + k]! * d;
    for (let l = 0; l <= k; l++) {
      const zo = l * d;
      let sum = 0;
      for (let a = 0; a < d; a++) sum += fixed[fo + a]! * z[zo + a]!;
      small[k * n + l] = sum;
      small[l * n + k] = sum;
    }
  }
  for (let k = 0; k < n; k++) {
    let sum = 0;
    for (let l = 0; l < n; l++) sum += small[k * n + l]! * u[l]!;
    rhs[k] = sum;
  }
  for (let k = 0; k < n; k++) small[k * n + k]! += 1 / rows.confidence[start + k]!;
  if (!choleskySolveInPlace(small, rhs, n)) {
    solveRowCg(target, row, fixed, rows, 8, w);
    return;
  }
  const xo = row * d;
  target.fill(0, xo, xo + d);
  for (let k = 0; k < n; k++) {
    const coef = u[k]! - rhs[k]!;
    const zo = k * d;
    for (let a = 0; a < d; a++) target[xo + a]! += coef * z[zo + a]!;
  }
}

function solveRowCg(target: Float64Array, row: number, fixed: Float64Array, rows: SparseRows, cgSteps: number, w: Workspace): void {
  const d = w.d;
  const { gram, r, p, ap } = w;
  const { index, confidence } = rows;
  const xo = row * d;
  const start = rows.offsets[row]!;
  const end = rows.offsets[row + 1]!;
  // r = b − A x, with b = Σ (1 + c_k) f_k and A x = G x + Σ c_k (f_k · x) f_k.
  for (let a = 0; a < d; a++) {
    let sum = 0;
    const ga = a * d;
    for (let b = 0; b < d; b++) sum += gram[ga + b]! * target[xo + b]!;
    r[a] = -sum;
  }
  for (let k = start; k < end; k++) {
    const fo = index[k]! * d;
    const c = confidence[k]!;
    let fx = 0;
    for (let a = 0; a < d; a++) fx += fixed[fo + a]! * target[xo + a]!;
    const coef = 1 + c - c * fx;
    for (let a = 0; a < d; a++) r[a]! += coef * fixed[fo + a]!;
  }
  let rsOld = 0;
  for (let a = 0; a < d; a++) {
    p[a] = r[a]!;
    rsOld += r[a]! * r[a]!;
  }
  if (rsOld < 1e-20) return;
  for (let step = 0; step < cgSteps; step++) {
    // ap = A p.
    for (let a = 0; a < d; a++) {
      let sum = 0;
      const ga = a * d;
      for (let b = 0; b < d; b++) sum += gram[ga + b]! * p[b]!;
      ap[a] = sum;
    }
    for (let k = start; k < end; k++) {
      const fo = index[k]! * d;
      let fp = 0;
      for (let a = 0; a < d; a++) fp += fixed[fo + a]! * p[a]!;
      const coef = confidence[k]! * fp;
      for (let a = 0; a < d; a++) ap[a]! += coef * fixed[fo + a]!;
    }
    let pAp = 0;
    for (let a = 0; a < d; a++) pAp += p[a]! * ap[a]!;
    if (!(pAp > 0)) break;
    const stepSize = rsOld / pAp;
    let rsNew = 0;
    for (let a = 0; a < d; a++) {
      target[xo + a]! += stepSize * p[a]!;
      r[a]! -= stepSize * ap[a]!;
      rsNew += r[a]! * r[a]!;
    }
    if (rsNew < 1e-20) break;
    const beta = rsNew / rsOld;
    for (let a = 0; a < d; a++) p[a] = r[a]! + beta * p[a]!;
    rsOld = rsNew;
  }
}

/** In-place Cholesky of the n x n SPD `m` (lower), then solves m x = rhs into rhs. False if not SPD. */
function choleskySolveInPlace(m: Float64Array, rhs: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let diag = m[j * n + j]!;
    for (let k = 0; k < j; k++) diag -= m[j * n + k]! * m[j * n + k]!;
    if (!(diag > 0)) return false;
    const l = Math.sqrt(diag);
    m[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let sum = m[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= m[i * n + k]! * m[j * n + k]!;
      m[i * n + j] = sum / l;
    }
  }
  for (let i = 0; i < n; i++) {
    let sum = rhs[i]!;
    for (let k = 0; k < i; k++) sum -= m[i * n + k]! * rhs[k]!;
    rhs[i] = sum / m[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = rhs[i]!;
    for (let k = i + 1; k < n; k++) sum -= m[k * n + i]! * rhs[k]!;
    rhs[i] = sum / m[i * n + i]!;
  }
  return true;
}

/** out = m⁻¹ for the d x d SPD `m` (Cholesky, then d solves). False (out untouched) if not SPD. */
function invertSpd(m: Float64Array, out: Float64Array, d: number): boolean {
  const l = Float64Array.from(m);
  for (let j = 0; j < d; j++) {
    let diag = l[j * d + j]!;
    for (let k = 0; k < j; k++) diag -= l[j * d + k]! * l[j * d + k]!;
    if (!(diag > 0)) return false;
    const root = Math.sqrt(diag);
    l[j * d + j] = root;
    for (let i = j + 1; i < d; i++) {
      let sum = l[i * d + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * d + k]! * l[j * d + k]!;
      l[i * d + j] = sum / root;
    }
  }
  const column = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    column.fill(0);
    column[c] = 1;
    for (let i = 0; i < d; i++) {
      let sum = column[i]!;
      for (let k = 0; k < i; k++) sum -= l[i * d + k]! * column[k]!;
      column[i] = sum / l[i * d + i]!;
    }
    for (let i = d - 1; i >= 0; i--) {
      let sum = column[i]!;
      for (let k = i + 1; k < d; k++) sum -= l[k * d + i]! * column[k]!;
      column[i] = sum / l[i * d + i]!;
    }
    for (let i = 0; i < d; i++) out[i * d + c] = column[i]!;
  }
  return true;
}
