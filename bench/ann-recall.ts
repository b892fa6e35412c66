/**
 * HNSW (usearch) recall and latency against the exact scan, to choose the index parameters.
 *
 *   node --import tsx bench/ann-recall.ts [--items 100000] [--dim 64] [--queries 500] [--k 500]
 *     [--data synthetic,clustered,random] [--connectivity 16,24,32] [--ef 500,640,800,1000,1300]
 *     [--runs 3] [--quantization f16|f32] [--quick]
 *
 * Data sets: `synthetic` is the gateway's own generator (item embeddings; the queries are its
 * user vectors), `clustered` a mixture of 50 gaussian clusters on the sphere, `random` uniform on
 * the sphere (the worst case for any graph index). The exact scan (ExactScanIndex) gives the
 * truth and its own latency. Each (connectivity, ef) is measured `runs` times, interleaved,
 * single-threaded, one query at a time through `searchSync` (so the id mapping is included),
 * on the memory-mapped index; the table shows the median over runs of each run's p50 and p99.
 * Then the crossover: exact scan vs HNSW latency by catalog size, for EXACT_SCAN_MAX_ITEMS.
 * Writes bench/results/ann-recall.json and bench/results/ann-recall.svg.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ExactScanIndex } from '../src/adapters/ann/exact-scan-index.ts';
import { DEFAULT_HNSW_PARAMS, HNSW_INDEX_FILE, HnswIndex, type HnswQuantization } from '../src/adapters/ann/hnsw-index.ts';
import { Random } from '../src/offline/random.ts';
import { generateSyntheticWorld } from '../src/offline/synthetic-data.ts';

const { values: args } = parseArgs({
  options: {
    items: { type: 'string' },
    dim: { type: 'string', default: '64' },
    queries: { type: 'string' },
    k: { type: 'string', default: '500' },
    data: { type: 'string', default: 'synthetic,clustered,random' },
    connectivity: { type: 'string' },
    ef: { type: 'string' },
    'ef-add': { type: 'string', default: String(DEFAULT_HNSW_PARAMS.expansionAdd) },
    quantization: { type: 'string', default: DEFAULT_HNSW_PARAMS.quantization ?? 'f32' },
    runs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    target: { type: 'string', default: '0.95' },
  },
});
const quick = args.quick;
const ITEMS = Number(args.items ?? (quick ? 20_000 : 100_000));
const DIM = Number(args.dim);
const QUERIES = Number(args.queries ?? (quick ? 200 : 500));
const K = Number(args.k);
const RUNS = Number(args.runs ?? (quick ? 1 : 3));
const EF_ADD = Number(args['ef-add']);
if (args.quantization !== 'f32' && args.quantization !== 'f16') throw new Error(`--quantization must be f32 or f16, got ${args.quantization}`);
const QUANTIZATION: HnswQuantization = args.quantization;
const TARGET_RECALL = Number(args.target);
const TARGET_P99_MS = 2;
const list = (s: string | undefined, fallback: string) => (s ?? fallback).split(',').map((x) => x.trim()).filter(Boolean);
const DATA = list(args.data, '');
const CONNECTIVITY = list(args.connectivity, quick ? '16,32' : '16,24,32').map(Number);
const EFS = list(args.ef, quick ? '500,800,1300' : '500,640,800,1000,1300,1700').map(Number);
const CROSSOVER_SIZES = [1_000, 2_000, 5_000, 10_000, 20_000, 50_000].filter((n) => n < ITEMS);
const SEED = 20_240_601;

interface DataSet {
  readonly name: string;
  readonly vectors: Float32Array;
  readonly queries: Float32Array;
}

function dataSet(name: string, items: number): DataSet {
  if (name === 'synthetic') {
    const world = generateSyntheticWorld({ seed: SEED, items, users: QUERIES, dimension: DIM });
    return { name, vectors: world.itemVectors, queries: world.userVectors };
  }
  const random = new Random(SEED + name.length);
  const clusters = name === 'clustered' ? 50 : 0;
  const centres = Float32Array.from({ length: clusters * DIM }, () => random.normal());
  for (let c = 0; c < clusters; c++) normalise(centres.subarray(c * DIM, (c + 1) * DIM));
  // Noise of norm about 0.9 around unit centres for items, 1.25 for queries (scaled: queries need not be unit).
  const draw = (out: Float32Array, noise: number, scale: number) => {
    const centre = clusters > 0 ? centres.subarray(random.int(clusters) * DIM) : null;
    for (let j = 0; j < DIM; j++) out[j] = (centre ? centre[j]! : 0) + (noise * random.normal()) / Math.sqrt(DIM);
    normalise(out);
    for (let j = 0; j < DIM; j++) out[j]! *= scale;
  };
  const vectors = new Float32Array(items * DIM);
  for (let i = 0; i < items; i++) draw(vectors.subarray(i * DIM, (i + 1) * DIM), clusters ? 0.9 : 1, 1);
  const queries = new Float32Array(QUERIES * DIM);
  for (let q = 0; q < QUERIES; q++) draw(queries.subarray(q * DIM, (q + 1) * DIM), clusters ? 1.25 : 1, 1.7);
  return { name, vectors, queries };
}

function normalise(v: Float32Array): void {
  let s = 0;
  for (let j = 0; j < DIM; j++) s += v[j]! * v[j]!;
  const inv = 1 / Math.sqrt(s);
  for (let j = 0; j < DIM; j++) v[j]! *= inv;
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const median = (xs: readonly number[]) => percentile([...xs].sort((a, b) => a - b), 0.5);
const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const query = (ds: DataSet, q: number) => ds.queries.subarray(q * DIM, (q + 1) * DIM);

/** One timed pass over the queries: p50 and p99 in ms, and the results for recall. */
type Found = readonly { itemId: string }[];
async function timePass(ds: DataSet, count: number, search: (q: Float32Array) => Found | Promise<Found>) {
  for (let q = 0; q < Math.min(30, count); q++) await search(query(ds, q)); // warm-up: JIT, page faults of the mapped file
  const times: number[] = [];
  const results: Found[] = [];
  for (let q = 0; q < count; q++) {
    const started = performance.now();
    const found = search(query(ds, q));
    // HNSW is timed synchronously; the exact scan's Promise is awaited (one microtask, well under its ms).
    results.push(found instanceof Promise ? await found : found);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), results };
}

interface CurvePoint {
  data: string;
  connectivity: number;
  expansionSearch: number;
  recall: number;
  p50Ms: number;
  p99Ms: number;
  p50RunsMs: number[];
  p99RunsMs: number[];
}

const report = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', node: process.version, loadAverage: loadavg().map((x) => round(x, 2)) },
  setup: { items: ITEMS, dimension: DIM, queries: QUERIES, k: K, runs: RUNS, expansionAdd: EF_ADD, library: 'usearch' },
  exact: [] as { data: string; items: number; p50Ms: number; p99Ms: number }[],
  builds: [] as { data: string; connectivity: number; buildMs: number; fileMiB: number }[],
  curve: [] as CurvePoint[],
  crossover: [] as { items: number; exactP50Ms: number; exactP99Ms: number; hnswP50Ms: number; hnswP99Ms: number; hnswRecall: number }[],
  choice: null as null | { data: string; connectivity: number; expansionSearch: number; recall: number; p50Ms: number; p99Ms: number; meetsP99: boolean },
};

const scratch = mkdtempSync(join(tmpdir(), 'ann-recall-'));
try {
  for (const name of DATA) {
    const ds = dataSet(name, ITEMS);
    const ids = Array.from({ length: ITEMS }, (_, i) => String(i));
    const exact = new ExactScanIndex(ds.vectors, ids, DIM);
    const truthPass = await timePass(ds, QUERIES, (q) => exact.search(q, K));
    const truth = truthPass.results.map((r) => new Set(r.map((x) => x.itemId)));
    report.exact.push({ data: name, items: ITEMS, p50Ms: round(truthPass.p50), p99Ms: round(truthPass.p99) });
    console.log(`\n${name}: ${ITEMS} x ${DIM}, ${QUERIES} queries, k=${K}, vectors stored as ${QUANTIZATION}; exact scan p50 ${truthPass.p50.toFixed(2)} ms, p99 ${truthPass.p99.toFixed(2)} ms`);

    const dirs = new Map<number, string>();
    for (const m of CONNECTIVITY) {
      const started = performance.now();
      const index = HnswIndex.build(ds.vectors, ids, DIM, { connectivity: m, expansionAdd: EF_ADD, expansionSearch: EFS[0]!, quantization: QUANTIZATION });
      const buildMs = performance.now() - started;
      const dir = join(scratch, `${name}-${m}`);
      await index.save(dir);
      dirs.set(m, dir);
      const fileMiB = statSync(join(dir, HNSW_INDEX_FILE)).size / 2 ** 20;
      report.builds.push({ data: name, connectivity: m, buildMs: Math.round(buildMs), fileMiB: round(fileMiB, 1) });
      console.log(`  M=${m}: build ${(buildMs / 1000).toFixed(1)} s (all cores), file ${fileMiB.toFixed(1)} MiB`);
    }

    const runs = new Map<string, { recall: number; p50: number[]; p99: number[] }>();
    for (let run = 0; run < RUNS; run++) {
      for (const m of CONNECTIVITY) {
        for (const ef of EFS) {
          const index = await HnswIndex.load(dirs.get(m)!, { mmap: true, expansionSearch: ef });
          const pass = await timePass(ds, QUERIES, (q) => index.searchSync(q, K));
          let hits = 0;
          pass.results.forEach((r, q) => r.forEach((x) => (hits += truth[q]!.has(x.itemId) ? 1 : 0)));
          const key = `${m}/${ef}`;
          const entry = runs.get(key) ?? { recall: hits / (QUERIES * Math.min(K, ITEMS)), p50: [], p99: [] };
          entry.p50.push(pass.p50);
          entry.p99.push(pass.p99);
          runs.set(key, entry);
        }
      }
    }
    console.log('  M    ef  recall@k   p50 ms   p99 ms   (median of runs)');
    for (const m of CONNECTIVITY) {
      for (const ef of EFS) {
        const r = runs.get(`${m}/${ef}`)!;
        const point: CurvePoint = {
          data: name, connectivity: m, expansionSearch: ef, recall: round(r.recall, 4),
          p50Ms: round(median(r.p50)), p99Ms: round(median(r.p99)), p50RunsMs: r.p50.map((x) => round(x)), p99RunsMs: r.p99.map((x) => round(x)),
        };
        report.curve.push(point);
        console.log(`  ${String(m).padStart(2)} ${String(ef).padStart(5)}  ${point.recall.toFixed(4)}  ${point.p50Ms.toFixed(3).padStart(7)}  ${point.p99Ms.toFixed(3).padStart(7)}`);
      }
    }
  }

  // The default: on the first data set (the gateway's own, by default), recall >= target at the lowest p99.
  const primary = DATA[0];
  const eligible = report.curve.filter((p) => p.data === primary && p.recall >= TARGET_RECALL).sort((a, b) => a.p99Ms - b.p99Ms);
  const best = eligible[0];
  if (best) {
    report.choice = { data: best.data, connectivity: best.connectivity, expansionSearch: best.expansionSearch, recall: best.recall, p50Ms: best.p50Ms, p99Ms: best.p99Ms, meetsP99: best.p99Ms <= TARGET_P99_MS };
    console.log(
      `\nchoice (${primary}): connectivity ${best.connectivity}, expansion_search ${best.expansionSearch}: recall@${K} ${best.recall}, ` +
        `p50 ${best.p50Ms} ms, p99 ${best.p99Ms} ms: p99 <= ${TARGET_P99_MS} ms ${best.p99Ms <= TARGET_P99_MS ? 'met' : 'NOT met'} on this machine`,
    );
  } else {
    console.log(`\nno setting reaches recall@${K} >= ${TARGET_RECALL} on ${primary}: widen --ef or --connectivity`);
  }

  // Crossover: where HNSW (default params) starts to beat the exact scan at this k.
  if (CROSSOVER_SIZES.length > 0 && primary) {
    console.log(`\ncrossover (${primary}, k=${K}, default params): items, exact p50/p99, hnsw p50/p99, hnsw recall`);
    for (const n of CROSSOVER_SIZES) {
      const ds = dataSet(primary, n);
      const ids = Array.from({ length: n }, (_, i) => String(i));
      const exact = new ExactScanIndex(ds.vectors, ids, DIM);
      const hnsw = HnswIndex.build(ds.vectors, ids, DIM, DEFAULT_HNSW_PARAMS);
      const count = Math.min(QUERIES, 200);
      const e = await timePass(ds, count, (q) => exact.search(q, K));
      const h = await timePass(ds, count, (q) => hnsw.searchSync(q, K));
      let hits = 0;
      h.results.forEach((r, q) => {
        const truth = new Set(e.results[q]!.map((x) => x.itemId));
        r.forEach((x) => (hits += truth.has(x.itemId) ? 1 : 0));
      });
      const row = { items: n, exactP50Ms: round(e.p50), exactP99Ms: round(e.p99), hnswP50Ms: round(h.p50), hnswP99Ms: round(h.p99), hnswRecall: round(hits / (count * Math.min(K, n)), 4) };
      report.crossover.push(row);
      console.log(`  ${String(n).padStart(6)}  ${row.exactP50Ms.toFixed(3)} / ${row.exactP99Ms.toFixed(3)}   ${row.hnswP50Ms.toFixed(3)} / ${row.hnswP99Ms.toFixed(3)}   ${row.hnswRecall.toFixed(4)}`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const out = new URL('./results/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('ann-recall.json', out), JSON.stringify(report, null, 2));
writeFileSync(new URL('ann-recall.svg', out), plot(report.curve));
console.log('\nwrote bench/results/ann-recall.json and bench/results/ann-recall.svg');

/** Recall (y) against p99 latency (x): one line per (data set, connectivity). Hand-written SVG. */
function plot(curve: readonly CurvePoint[]): string {
  const W = 760, H = 480, L = 60, R = 200, T = 30, B = 50;
  const xMax = Math.max(TARGET_P99_MS * 1.25, ...curve.map((p) => p.p99Ms)) * 1.05;
  const yMin = Math.min(0.9, ...curve.map((p) => p.recall)) - 0.01;
  const x = (v: number) => round(L + (v / xMax) * (W - L - R), 1);
  const y = (v: number) => round(T + ((1 - v) / (1 - yMin)) * (H - T - B), 1);
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
  const dashes = ['', '6 3', '2 3', '8 3 2 3'];
  const datasets = [...new Set(curve.map((p) => p.data))];
  const ms = [...new Set(curve.map((p) => p.connectivity))];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="18" font-size="14">HNSW (usearch) recall@${K} vs p99 latency, ${ITEMS} x ${DIM}, one query at a time</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const xv = (xMax * i) / 5;
    const yv = yMin + ((1 - yMin) * i) / 5;
    parts.push(`<line x1="${x(xv)}" y1="${T}" x2="${x(xv)}" y2="${H - B}" stroke="#eee"/><text x="${x(xv)}" y="${H - B + 16}" text-anchor="middle">${xv.toFixed(1)}</text>`);
    parts.push(`<line x1="${L}" y1="${y(yv)}" x2="${W - R}" y2="${y(yv)}" stroke="#eee"/><text x="${L - 6}" y="${y(yv) + 4}" text-anchor="end">${yv.toFixed(3)}</text>`);
  }
  parts.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">p99 latency per query (ms)</text>`);
  parts.push(`<text x="16" y="${(T + H - B) / 2}" transform="rotate(-90 16 ${(T + H - B) / 2})" text-anchor="middle">recall@${K}</text>`);
  parts.push(`<line x1="${L}" y1="${y(TARGET_RECALL)}" x2="${W - R}" y2="${y(TARGET_RECALL)}" stroke="#999" stroke-dasharray="4 4"/>`);
  parts.push(`<line x1="${x(TARGET_P99_MS)}" y1="${T}" x2="${x(TARGET_P99_MS)}" y2="${H - B}" stroke="#999" stroke-dasharray="4 4"/>`);
  let legend = 0;
  datasets.forEach((data, di) => {
    ms.forEach((m, mi) => {
      const points = curve.filter((p) => p.data === data && p.connectivity === m).sort((a, b) => a.expansionSearch - b.expansionSearch);
      if (points.length === 0) return;
      const colour = colours[mi % colours.length]!;
      const dash = dashes[di % dashes.length]!;
      parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" stroke-dasharray="${dash}" points="${points.map((p) => `${x(p.p99Ms)},${y(p.recall)}`).join(' ')}"/>`);
      for (const p of points) parts.push(`<circle cx="${x(p.p99Ms)}" cy="${y(p.recall)}" r="3" fill="${colour}"><title>${data} M=${m} ef=${p.expansionSearch}: recall ${p.recall}, p99 ${p.p99Ms} ms</title></circle>`);
      const ly = T + 10 + legend++ * 18;
      parts.push(`<line x1="${W - R + 12}" y1="${ly}" x2="${W - R + 42}" y2="${ly}" stroke="${colour}" stroke-width="2" stroke-dasharray="${dash}"/><text x="${W - R + 48}" y="${ly + 4}">${data}, M=${m}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}
