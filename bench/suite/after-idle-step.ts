import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayNodeFlags } from './gateway-node-flags.ts';
import type { TargetOutcome } from './target-pairs-report.ts';

/** One variant's burst after the idle period, as `bench:after-idle --json` writes it. */
export interface AfterIdleBurst {
  readonly variant: string;
  readonly flags: string;
  readonly requests: number;
  readonly errors: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly worstSecondP99Ms: number;
}

export interface AfterIdleReport {
  readonly idleS: number;
  readonly burstS: number;
  /** The burst's load, in words. */
  readonly load: string;
  readonly bursts: readonly AfterIdleBurst[];
  /** bench:after-idle's own Markdown (its table and the collections of each burst). */
  readonly markdown: string;
}

export interface AfterIdleOptions {
  readonly artifactsDir: string;
  readonly idleS: number;
  readonly burstS: number;
  readonly rate: number;
  readonly log: (line: string) => void;
}

/** The variant whose burst the target judges: the flags `npm start` runs with. */
export const NPM_START_VARIANT = 'npm start';

/** Issue 7's bound on the first seconds of load after idle (p99 over the burst). */
export const AFTER_IDLE_P99_BOUND_MS = 50;

/** The verdict: npm start's burst, p99 within the bound and no error. */
export function afterIdleOutcome(report: Pick<AfterIdleReport, 'idleS' | 'burstS' | 'bursts'>): TargetOutcome {
  const judged = report.bursts.find((b) => b.variant === NPM_START_VARIANT);
  const ms = (v: number): string => v.toFixed(v < 10 ? 2 : 1);
  return {
    pair: 'after-idle',
    target: `p99 <= ${AFTER_IDLE_P99_BOUND_MS} ms in the first ${report.burstS} s after ${report.idleS} s idle (npm start's flags)`,
    figure: judged ? `${ms(judged.p99Ms)} ms (worst second ${ms(judged.worstSecondP99Ms)} ms, max ${ms(judged.maxMs)} ms), ${judged.errors} errors` : 'not measured',
    met: judged !== undefined && judged.p99Ms <= AFTER_IDLE_P99_BOUND_MS && judged.errors === 0,
  };
}

/**
 * Runs `npm run bench:after-idle` as a child (gateways with no flags and with npm start's, side
 * by side, idle, then a burst each) and reads back its figures.
 */
export async function runAfterIdle(options: AfterIdleOptions): Promise<AfterIdleReport> {
  const dir = mkdtempSync(join(tmpdir(), 'after-idle-'));
  const jsonPath = join(dir, 'bursts.json');
  const args = [
    '--import', 'tsx', 'bench/after-idle.ts',
    '--idle-s', String(options.idleS), '--burst-s', String(options.burstS), '--rate', String(options.rate), '--trace-gc',
    '--variant', 'none=', '--variant', `${NPM_START_VARIANT}=${gatewayNodeFlags().join(' ')}`,
    '--json', jsonPath,
  ];
  try {
    const child = spawn(process.execPath, args, { env: { ...process.env, ARTIFACTS_DIR: options.artifactsDir }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`bench:after-idle exited with ${code}:\n${out}`);
    options.log(out.trimEnd());
    const parsed = JSON.parse(readFileSync(jsonPath, 'utf8')) as Omit<AfterIdleReport, 'markdown'>;
    // Its report from the table on (the lines before it are progress).
    const markdown = out.slice(Math.max(0, out.indexOf('| flags |'))).trim();
    return { ...parsed, markdown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
