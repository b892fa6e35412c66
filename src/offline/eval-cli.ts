import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadArtifacts } from './artifacts.ts';
import { readEvaluationSet } from './evaluation-set.ts';
import { evaluateArtifacts } from './evaluate.ts';
import { evaluationMarkdown, evaluationPlot, evaluationTable } from './report/evaluation-report.ts';
import { createCandidateIndex } from '../adapters/ann/choose-index.ts';
import { ExactScanIndex } from '../adapters/ann/exact-scan-index.ts';
import { HnswIndex } from '../adapters/ann/hnsw-index.ts';

const USAGE = `npm run eval -- --artifacts <dir> [--json <file>] [--report <file.md>] [--latency-runs N]

Scores an artifacts folder on the split it was built with: popularity, coarse (retrieval) and
refined with every ranker (FP32 and INT8): Recall@10/50, NDCG@10, HR@10, coverage@10; ANN
recall@500 against the exact scan; ranking latency at batch 500. Prints a table; --json writes
the figures, --report a markdown report with an SVG plot beside it.`;

const { values } = parseArgs({
  options: {
    artifacts: { type: 'string' },
    json: { type: 'string' },
    report: { type: 'string' },
    'latency-runs': { type: 'string', default: '200' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help || !values.artifacts) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}

const artifacts = await loadArtifacts(values.artifacts);
const set = await readEvaluationSet(values.artifacts);
// The gateway's index for this catalog; for a catalog small enough for the exact scan, an HNSW
// index built here, so ANN recall is measured whatever the catalog size.
const itemIds = artifacts.items.map((i) => i.id);
const served = await createCandidateIndex(artifacts.itemVectors, itemIds, artifacts.manifest.dimension, { dir: artifacts.dir });
const index = served instanceof ExactScanIndex ? HnswIndex.build(artifacts.itemVectors, itemIds, artifacts.manifest.dimension) : served;
let lastStage = '';
const report = await evaluateArtifacts(artifacts, set, {
  index,
  latencyRuns: Number(values['latency-runs']),
  onProgress: (stage) => {
    if (stage !== lastStage) process.stderr.write(`${stage}...\n`);
    lastStage = stage;
  },
});
console.log(`\n${artifacts.manifest.source.description}: ${report.users} test users, ${report.items} items\n`);
console.log(evaluationTable(report));
if (values.json) {
  await mkdir(dirname(values.json), { recursive: true });
  await writeFile(values.json, JSON.stringify({ source: artifacts.manifest.source, ...report }, null, 2));
  console.log(`\nwrote ${values.json}`);
}
if (values.report) {
  const plotFile = `${basename(values.report, '.md')}.svg`;
  await mkdir(dirname(values.report), { recursive: true });
  await writeFile(join(dirname(values.report), plotFile), evaluationPlot(report));
  await writeFile(values.report, evaluationMarkdown(report, { source: artifacts.manifest.source.description, artifacts: values.artifacts, split: set.split, plotFile }));
  console.log(`wrote ${values.report} and ${plotFile}`);
}
