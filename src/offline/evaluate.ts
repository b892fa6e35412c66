import * as ort from 'onnxruntime-node';
import { featureCount, writeFeatureRow, type ItemInputs, type ViewerInputs } from '../pipeline/feature-layout.ts';
import { normalized } from '../pipeline/vectors.ts';
import { EVENT_WEIGHTS } from '../pipeline/session-taste.ts';
import type { CandidateIndex } from '../ports/candidate-index.ts';
import { modelPath, type Artifacts } from './artifacts.ts';
import type { EvaluationSet } from './evaluation-set.ts';
import { innerProductTopK } from './inner-product-top-k.ts';
import { catalogCoverageAtK, hitRateAtK, ndcgAtK, recallAtK, type Rankings } from './ranking-metrics.ts';
import type { HeldOut } from './split.ts';
import { measureRankerLatency } from './ranker-latency.ts';

/** How many candidates the refined pass reorders (the gateway's CANDIDATE_COUNT). */
export const EVAL_CANDIDATES = 500;

export interface MethodRow {
  readonly method: string;
  readonly recall10: number;
  readonly recall50: number;
  readonly ndcg10: number;
  readonly hr10: number;
  readonly coverage10: number;
}

function metricsOf(method: string, rankings: Rankings, test: HeldOut, itemCount: number): MethodRow {
  return {
    method,
    recall10: recallAtK(rankings, test, 10),
    recall50: recallAtK(rankings, test, 50),
    ndcg10: ndcgAtK(rankings, test, 10),
    hr10: hitRateAtK(rankings, test, 10),
    coverage10: catalogCoverageAtK(rankings, 10, itemCount),
  };
}

/** The held-out items in ranking-metrics' shape (test user t = users[t]). */
function heldOutOf(lists: readonly Uint32Array[]): HeldOut {
  const offsets = new Uint32Array(lists.length + 1);
  lists.forEach((l, t) => (offsets[t + 1] = offsets[t]! + l.length));
  const items = new Uint32Array(offsets[lists.length]!);
  lists.forEach((l, t) => items.set(l, offsets[t]!));
  return { users: Uint32Array.from(lists, (_, t) => t), items, offsets };
}

export interface EvaluationReport {
  readonly users: number;
  readonly items: number;
  readonly methods: readonly MethodRow[];
  /** Recall@500 of the candidate index against the exact scan on the test users' queries. */
  readonly ann: { readonly kind: string; readonly recallAt500: number; readonly medianMs: number; readonly p99Ms: number } | null;
  readonly latency: ReadonlyArray<{ readonly model: string; readonly precision: string; readonly medianMs: number; readonly p99Ms: number }>;
}

/**
 * Scores the artifacts on their held-out split: popularity, coarse (retrieval alone: top
 * inner products without seen items), and refined with every ranker in the manifest
 * (FP32 and INT8), each reordering the same 500 coarse candidates with the same inputs the
 * gateway would build (the session = the user's last training positives).
 */
export async function evaluateArtifacts(
  artifacts: Artifacts,
  set: EvaluationSet,
  options: { index?: CandidateIndex; latencyRuns?: number; onProgress?: (stage: string, fraction: number) => void } = {},
): Promise<EvaluationReport> {
  const progress = options.onProgress ?? (() => {});
  const d = artifacts.manifest.dimension;
  const genres = artifacts.manifest.genres;
  const itemRow = new Map(artifacts.items.map((item, row) => [item.id, row]));
  const userRow = new Map(artifacts.userIds.map((id, row) => [id, row]));
  const users = set.users.filter((u) => userRow.has(u.userId) && u.heldOut.some((id) => itemRow.has(id)));
  const rowsOf = (ids: readonly string[]) => Uint32Array.from(ids.filter((id) => itemRow.has(id)), (id) => itemRow.get(id)!);
  const heldOut = heldOutOf(users.map((u) => rowsOf(u.heldOut)));
  const seen = users.map((u) => new Set(rowsOf(u.seen)));
  const itemCount = artifacts.items.length;
  const methods: MethodRow[] = [];

  // Popularity: the trending list (training counts), without what each user has seen.
  const popular = rowsOf(artifacts.trending.map((t) => t.itemId));
  methods.push(metricsOf('popularity', users.map((_, k) => firstUnseen(popular, seen[k]!, 50)), heldOut, itemCount));

  // Coarse: exact retrieval by the user's embedding.
  const maxSeen = Math.max(0, ...seen.map((s) => s.size));
  const tops = await innerProductTopK({
    queries: artifacts.userVectors,
    queryRows: users.map((u) => userRow.get(u.userId)!),
    vectors: artifacts.itemVectors,
    dimension: d,
    k: Math.min(itemCount, EVAL_CANDIDATES + maxSeen),
    onProgress: (f) => progress('retrieve', f),
  });
  const candidates = tops.map((top, k) => firstUnseen(top.indices, seen[k]!, EVAL_CANDIDATES));
  methods.push(metricsOf('coarse (retrieval)', candidates.map((c) => c.subarray(0, 50)), heldOut, itemCount));

  // Refined: every ranker reorders the same candidates.
  const genreIndex = new Map(genres.map((g, i) => [g, i]));
  const itemInputs: ItemInputs[] = artifacts.items.map((item, row) => ({
    vector: artifacts.itemVectors.subarray(row * d, (row + 1) * d),
    popularity: item.popularity,
    genreMask: item.genres.reduce((m, g) => (genreIndex.has(g) ? m | (1 << genreIndex.get(g)!) : m), 0),
    year: item.year,
  }));
  const viewers = users.map((u) => viewerInputs(artifacts, userRow.get(u.userId)!, rowsOf(u.session)));
  const F = featureCount(d);
  const latency: EvaluationReport['latency'][number][] = [];
  for (const [m, entry] of artifacts.manifest.rankers.entries()) {
    const { path } = modelPath(artifacts, entry.name, entry.precision);
    const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const lists: Uint32Array[] = [];
    for (let k = 0; k < users.length; k++) {
      const cands = candidates[k]!;
      const matrix = new Float32Array(cands.length * F);
      for (let r = 0; r < cands.length; r++) writeFeatureRow(matrix, r, viewers[k]!, itemInputs[cands[r]!]!);
      const out = await session.run({ [entry.inputName]: new ort.Tensor('float32', matrix, [cands.length, F]) });
      const scores = out[entry.outputName]!.data as Float32Array;
      const order = Array.from(cands, (_, r) => r).sort((a, b) => scores[b]! - scores[a]!);
      lists.push(Uint32Array.from(order.slice(0, 50), (r) => cands[r]!));
      if ((k & 31) === 0) progress(`refine ${entry.name} ${entry.precision}`, k / users.length);
    }
    await session.release();
    methods.push(metricsOf(`refined ${entry.name} ${entry.precision}`, lists, heldOut, itemCount));
    const timing = await measureRankerLatency(path, F, { batch: EVAL_CANDIDATES, runs: options.latencyRuns ?? 200 });
    latency.push({ model: entry.name, precision: entry.precision, medianMs: timing.medianMs, p99Ms: timing.p99Ms });
    progress('refine', (m + 1) / artifacts.manifest.rankers.length);
  }

  const ann = options.index ? await annRecall(options.index, artifacts, users.map((u) => userRow.get(u.userId)!), tops.map((t) => t.indices.subarray(0, EVAL_CANDIDATES))) : null;
  return { users: users.length, items: itemCount, methods, ann, latency };
}

/** The first `n` of `ranked` that are not in `seen`. */
function firstUnseen(ranked: Uint32Array, seen: ReadonlySet<number>, n: number): Uint32Array {
  const out = new Uint32Array(Math.min(n, ranked.length));
  let k = 0;
  for (let i = 0; i < ranked.length && k < out.length; i++) if (!seen.has(ranked[i]!)) out[k++] = ranked[i]!;
  return out.subarray(0, k);
}

/** What the gateway would hand the ranker for this user with `session` as their live session. */
function viewerInputs(artifacts: Artifacts, u: number, session: Uint32Array): ViewerInputs {
  const d = artifacts.manifest.dimension;
  const g = artifacts.manifest.genres.length;
  const user = artifacts.userVectors.subarray(u * d, (u + 1) * d);
  const genreProfile = artifacts.userGenreProfiles.subarray(u * g, (u + 1) * g);
  if (session.length === 0) return { user, genreProfile, sessionDirection: null, sessionWeight: 0 };
  const sum = new Float32Array(d);
  for (const item of session) for (let j = 0; j < d; j++) sum[j]! += artifacts.itemVectors[item * d + j]!;
  return { user, genreProfile, sessionDirection: normalized(sum), sessionWeight: session.length * EVENT_WEIGHTS.CLICK };
}

async function annRecall(index: CandidateIndex, artifacts: Artifacts, users: number[], exact: Uint32Array[]): Promise<EvaluationReport['ann']> {
  const d = artifacts.manifest.dimension;
  const times: number[] = [];
  let hits = 0;
  let total = 0;
  for (let k = 0; k < users.length; k++) {
    const query = artifacts.userVectors.subarray(users[k]! * d, (users[k]! + 1) * d);
    const started = performance.now();
    const found = await index.search(query, EVAL_CANDIDATES);
    times.push(performance.now() - started);
    const truth = new Set(Array.from(exact[k]!, (row) => artifacts.items[row]!.id));
    hits += found.filter((f) => truth.has(f.itemId)).length;
    total += truth.size;
  }
  times.sort((a, b) => a - b);
  return {
    kind: index.constructor.name,
    recallAt500: total === 0 ? 1 : hits / total,
    medianMs: times[Math.floor(times.length / 2)] ?? 0,
    p99Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))] ?? 0,
  };
}
