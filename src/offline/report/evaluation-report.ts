import type { EvaluationReport } from '../evaluate.ts';
import { svgBarChart } from './svg-bar-chart.ts';

const f4 = (v: number) => v.toFixed(4);

/** The methods table as fixed-width text, for the terminal. */
export function evaluationTable(report: EvaluationReport): string {
  const lines = [
    `${'method'.padEnd(30)} ${'Recall@10'.padStart(9)} ${'Recall@50'.padStart(9)} ${'NDCG@10'.padStart(9)} ${'HR@10'.padStart(9)} ${'Cov@10'.padStart(9)}`,
    ...report.methods.map((m) => `${m.method.padEnd(30)} ${f4(m.recall10).padStart(9)} ${f4(m.recall50).padStart(9)} ${f4(m.ndcg10).padStart(9)} ${f4(m.hr10).padStart(9)} ${f4(m.coverage10).padStart(9)}`),
    '',
    `${'model'.padEnd(16)} ${'precision'.padEnd(9)} ${'median ms'.padStart(9)} ${'p99 ms'.padStart(9)}   (batch 500, one thread)`,
    ...report.latency.map((l) => `${l.model.padEnd(16)} ${l.precision.padEnd(9)} ${l.medianMs.toFixed(3).padStart(9)} ${l.p99Ms.toFixed(3).padStart(9)}`),
  ];
  if (report.ann) lines.push('', `ANN (${report.ann.kind}) recall@500 vs exact: ${f4(report.ann.recallAt500)}, median ${report.ann.medianMs.toFixed(3)} ms, p99 ${report.ann.p99Ms.toFixed(3)} ms per query`);
  return lines.join('\n');
}

/** A markdown report with the same figures and a link to `plotFile` (an SVG beside it). */
export function evaluationMarkdown(report: EvaluationReport, context: { source: string; artifacts: string; split: string; plotFile: string }): string {
  const popularity = report.methods.find((m) => m.method === 'popularity');
  const coarse = report.methods.find((m) => m.method.startsWith('coarse'));
  const lines = [
    '# Recommendation quality',
    '',
    `Artifacts: \`${context.artifacts}\` (${context.source}); ${report.users} test users, ${report.items} items; split: ${context.split}.`,
    '',
    `![NDCG@10 and Recall@50 by method](${context.plotFile})`,
    '',
    '| method | Recall@10 | Recall@50 | NDCG@10 | HR@10 | Coverage@10 | NDCG@10 / popularity | NDCG@10 / coarse |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.methods.map(
      (m) =>
        `| ${m.method} | ${f4(m.recall10)} | ${f4(m.recall50)} | ${f4(m.ndcg10)} | ${f4(m.hr10)} | ${f4(m.coverage10)} | ${popularity ? (m.ndcg10 / popularity.ndcg10).toFixed(2) : '-'} | ${coarse ? (m.ndcg10 / coarse.ndcg10).toFixed(2) : '-'} |`,
    ),
    '',
    '## Ranking latency (batch 500, one thread, this machine)',
    '',
    '| model | precision | median ms | p99 ms |',
    '| --- | --- | ---: | ---: |',
    ...report.latency.map((l) => `| ${l.model} | ${l.precision} | ${l.medianMs.toFixed(3)} | ${l.p99Ms.toFixed(3)} |`),
  ];
  if (report.ann) {
    lines.push('', '## Candidate index', '', `${report.ann.kind}: recall@500 against the exact scan ${f4(report.ann.recallAt500)}; median ${report.ann.medianMs.toFixed(3)} ms, p99 ${report.ann.p99Ms.toFixed(3)} ms per query.`);
  }
  return `${lines.join('\n')}\n`;
}

export function evaluationPlot(report: EvaluationReport): string {
  return svgBarChart({
    title: 'Held-out quality by method',
    rows: report.methods.map((m) => m.method),
    metrics: { 'NDCG@10': report.methods.map((m) => m.ndcg10), 'Recall@50': report.methods.map((m) => m.recall50) },
  });
}
