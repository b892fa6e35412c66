/**
 * A small horizontal bar chart as an SVG string, with no dependency: one group per metric,
 * one bar per series. Good enough for a report that a browser or GitHub renders.
 */
export interface BarChartInput {
  readonly title: string;
  /** Row labels (e.g. methods). */
  readonly rows: readonly string[];
  /** Metric name -> one value per row. */
  readonly metrics: Readonly<Record<string, readonly number[]>>;
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948'];

export function svgBarChart(input: BarChartInput): string {
  const metricNames = Object.keys(input.metrics);
  const barHeight = 14;
  const rowGap = 6;
  const labelWidth = 190;
  const plotWidth = 420;
  const groupHeight = input.rows.length * (barHeight + 2) + rowGap;
  const top = 40;
  const height = top + metricNames.length * (groupHeight + 24) + 20;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + plotWidth + 80}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escape(input.title)}</text>`,
  ];
  metricNames.forEach((metric, m) => {
    const values = input.metrics[metric]!;
    const max = Math.max(...values, 1e-9);
    const y0 = top + m * (groupHeight + 24);
    parts.push(`<text x="10" y="${y0 + 10}" font-weight="bold">${escape(metric)}</text>`);
    input.rows.forEach((row, r) => {
      const y = y0 + 16 + r * (barHeight + 2);
      const width = (values[r]! / max) * plotWidth;
      parts.push(
        `<text x="${labelWidth - 6}" y="${y + barHeight - 3}" text-anchor="end">${escape(row)}</text>`,
        `<rect x="${labelWidth}" y="${y}" width="${width.toFixed(1)}" height="${barHeight}" fill="${PALETTE[r % PALETTE.length]}"/>`,
        `<text x="${labelWidth + width + 4}" y="${y + barHeight - 3}">${values[r]!.toFixed(4)}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
