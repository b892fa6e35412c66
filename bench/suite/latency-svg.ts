import type { RunResult } from './results.ts';

const LABEL_W = 400;
const PLOT_W = 520;
const VALUE_W = 190;
const ROW_H = 22;
const TOP = 48;
const BOTTOM = 44;
const COLORS = { p50: '#1f4e79', p99: '#4f8fc0', p999: '#b5d3ea' } as const;

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Hand-written SVG: one bar per scenario on a log axis, shaded up to p50, p99 and p99.9 of the
 * final payload at half the maximum sustained rate, with the job's targets as dashed lines.
 */
export function latencySvg(result: RunResult): string {
  const rows = result.scenarios.filter((r) => !Number.isNaN(r.atHalf.last.p50));
  const maxValue = Math.max(1, ...rows.map((r) => r.atHalf.last.p999));
  const minExp = -1;
  const maxExp = Math.ceil(Math.log10(maxValue));
  const x = (v: number): number => LABEL_W + (PLOT_W * (Math.log10(Math.max(v, 10 ** minExp)) - minExp)) / (maxExp - minExp);
  const height = TOP + rows.length * ROW_H + BOTTOM;
  const width = LABEL_W + PLOT_W + VALUE_W;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">Final-payload latency at half the maximum sustained rate (ms, log scale), ${escape(result.mode)} run ${escape(result.date)}</text>`,
  ];
  let legendX = LABEL_W;
  for (const [key, name] of [['p50', 'p50'], ['p99', 'p99'], ['p999', 'p99.9']] as const) {
    out.push(`<rect x="${legendX}" y="28" width="12" height="12" fill="${COLORS[key]}"/><text x="${legendX + 16}" y="38">${name}</text>`);
    legendX += 64;
  }
  out.push(`<text x="${legendX}" y="38" fill="#c00">dashed: targets ${result.targets.firstP99Ms} ms (first payload) and ${result.targets.lastP99Ms} ms (final)</text>`);
  const plotBottom = TOP + rows.length * ROW_H;
  for (let e = minExp; e <= maxExp; e++) {
    const gx = x(10 ** e).toFixed(1);
    out.push(`<line x1="${gx}" y1="${TOP}" x2="${gx}" y2="${plotBottom}" stroke="#ddd"/>`);
    out.push(`<text x="${gx}" y="${plotBottom + 16}" text-anchor="middle">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(-e)}</text>`);
  }
  for (const target of [result.targets.firstP99Ms, result.targets.lastP99Ms]) {
    const tx = x(target).toFixed(1);
    out.push(`<line x1="${tx}" y1="${TOP}" x2="${tx}" y2="${plotBottom}" stroke="#c00" stroke-dasharray="4 3"/>`);
  }
  rows.forEach((r, i) => {
    const y = TOP + i * ROW_H;
    const { p50, p99, p999 } = r.atHalf.last;
    out.push(`<text x="${LABEL_W - 8}" y="${y + 15}" text-anchor="end">${escape(r.label)}</text>`);
    out.push(`<rect x="${LABEL_W}" y="${y + 4}" width="${(x(p999) - LABEL_W).toFixed(1)}" height="14" fill="${COLORS.p999}"/>`);
    out.push(`<rect x="${LABEL_W}" y="${y + 4}" width="${(x(p99) - LABEL_W).toFixed(1)}" height="14" fill="${COLORS.p99}"/>`);
    out.push(`<rect x="${LABEL_W}" y="${y + 4}" width="${(x(p50) - LABEL_W).toFixed(1)}" height="14" fill="${COLORS.p50}"/>`);
    out.push(`<text x="${LABEL_W + PLOT_W + 8}" y="${y + 15}">${p50.toFixed(2)} / ${p99.toFixed(2)} / ${p999.toFixed(2)} @ ${r.atHalf.offeredRps} req/s</text>`);
  });
  out.push(`<text x="${LABEL_W + PLOT_W / 2}" y="${plotBottom + 34}" text-anchor="middle">milliseconds</text>`, '</svg>', '');
  return out.join('\n');
}
