/**
 * Offline figures about scores: ROC AUC of a ranker, and how closely two exports of one model agree. Ranking metrics (Recall@K, NDCG@K) are in ranking-metrics.ts.
 */

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative (ties count half). O(n log n). NaN when there are no positives or no negatives.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError(`rocAuc: ${n} scores but ${labels.length} labels`);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a]! - scores[b]!);
  // Mann-Whitney U: sum of the positives' (tie-averaged, 1-based) ranks.
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!]! === scores[order[i]!]!) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!]! > 0.5) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** How closely two score vectors agree (e.g. an INT8 export against its FP32 original). */
export interface ScoreAgreement {
  /** Pearson correlation. */
  readonly pearson: number;
  /** Mean |a - b| over the standard deviation of a. */
  readonly relativeMad: number;
  /** Mean share of a's top 10 that is also b's top 10, per block of `blockRows` rows (one request's candidates). */
  readonly top10Overlap: number;
}

export function scoreAgreement(a: ArrayLike<number>, b: ArrayLike<number>, blockRows = 500): ScoreAgreement {
  const n = a.length;
  if (b.length !== n) throw new RangeError(`scoreAgreement: ${n} vs ${b.length} scores`);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  let mad = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
    mad += Math.abs(a[i]! - b[i]!);
  }
  let overlap = 0;
  let blocks = 0;
  for (let start = 0; start + blockRows <= n; start += blockRows) {
    const index = Array.from({ length: blockRows }, (_, k) => start + k);
    const topA = new Set([...index].sort((x, y) => a[y]! - a[x]!).slice(0, 10));
    overlap += [...index].sort((x, y) => b[y]! - b[x]!).slice(0, 10).filter((k) => topA.has(k)).length / 10;
    blocks++;
  }
  return { pearson: sab / Math.sqrt(saa * sbb), relativeMad: mad / n / Math.sqrt(saa / n), top10Overlap: blocks === 0 ? Number.NaN : overlap / blocks };
}
