import { spawn } from 'node:child_process';
import type { LoadChildArgs } from './load-child.ts';

/** How long load processes get to start (tsx, the plan) before they all send at once. */
export const START_MARGIN_MS = 3000;

/**
 * Runs one load process (`load-child.ts`) per entry of `args`, the i-th pinned to `cores[i]`
 * with taskset, and resolves with what each printed last on stdout, parsed as JSON.
 */
export function runPinnedChildren<T>(args: readonly LoadChildArgs[], cores: readonly number[]): Promise<T[]> {
  const script = 'load-child.ts';
  const path = new URL(`./${script}`, import.meta.url).pathname;
  return Promise.all(
    args.map((arg, i) => {
      const child = spawn('taskset', ['-c', String(cores[i]), process.execPath, '--import', 'tsx', path, JSON.stringify(arg)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()));
      return new Promise<T>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as T) : reject(new Error(`${script} on core ${cores[i]} exited with ${code}`))));
      });
    }),
  );
}

/** `total` split into `parts` near-equal whole shares (the first ones one larger). */
export function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}
