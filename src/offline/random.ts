/**
 * Seeded pseudo-random numbers for the offline pipeline. Everything the synthetic world and
 * training draw goes through here, so one seed gives the same artifacts on every machine
 * (integer arithmetic only; no Math.random, no platform-dependent state).
 */

/** xoshiro128** (Blackman & Vigna): 128-bit state, 32-bit output, fast in JS integer math. */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Box-Muller makes normals in pairs; the second one waits here. */
  private spareNormal: number | null = null;

  /** `seed` is any integer; streams for different seeds are independent for our purposes. */
  constructor(seed: number) {
    // splitmix32 spreads a small integer seed over the whole state (an all-zero state is a fixed point).
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A derived generator for a named sub-stream, so adding draws in one stage leaves the others unchanged. */
  fork(stream: number): Random {
    return new Random((this.nextUint32() ^ Math.imul(stream + 1, 0x27d4eb2d)) >>> 0);
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.uniform();
  }

  /** Uniform integer in [0, n), for n up to 2^32 (bias below n / 2^32, irrelevant here). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.uniform() < p;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    // 1 - uniform() is in (0, 1], so the log is finite.
    const r = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spareNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Pareto (power-law) value >= xMin with tail exponent alpha: P(X > x) = (xMin / x)^alpha. */
  pareto(xMin: number, alpha: number): number {
    return xMin / Math.pow(1 - this.uniform(), 1 / alpha);
  }

  /** One element of a non-empty array. */
  pick<T>(values: readonly T[]): T {
    const value = values[this.int(values.length)];
    if (value === undefined) throw new Error('pick from an empty array');
    return value;
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T extends { [i: number]: unknown; length: number }>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = values[i];
      values[i] = values[j];
      values[j] = tmp;
    }
    return values;
  }

  /** 0..n-1 in random order. */
  permutation(n: number): Uint32Array {
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Draws indices with probability proportional to fixed non-negative weights: a cumulative
 * table and binary search, O(log n) per draw, 8 bytes per weight (fine up to millions).
 */
export class WeightedSampler {
  private readonly cumulative: Float64Array;
  readonly total: number;

  constructor(weights: ArrayLike<number>) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      sum += Math.max(0, weights[i]!);
      this.cumulative[i] = sum;
    }
    if (!(sum > 0)) throw new Error('WeightedSampler needs at least one positive weight');
    this.total = sum;
  }

  get size(): number {
    return this.cumulative.length;
  }

  /** An index in [0, size) drawn with probability weight / total. */
  sample(random: Random): number {
    const target = random.uniform() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Zipf weights 1 / (rank + 1)^exponent for ranks 0..n-1 (rank 0 is the most popular). */
export function zipfWeights(n: number, exponent: number): Float64Array {
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) out[r] = 1 / Math.pow(r + 1, exponent);
  return out;
}

/** A sampler of ranks 0..n-1 under a Zipf law: rank r is drawn with probability proportional to 1 / (r + 1)^exponent. */
export function zipfSampler(n: number, exponent: number): WeightedSampler {
  return new WeightedSampler(zipfWeights(n, exponent));
}
