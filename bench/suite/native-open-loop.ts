import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Target } from './http-client.ts';
import { summarizeOpenLoops, type OpenLoopResult, type OpenLoopSamples } from './open-loop.ts';
import { payloadsOf, type Operation } from './operations.ts';
import { httpRequestBytes } from './raw-http-client.ts';

const SOURCE = fileURLToPath(new URL('../native/open-loop.c', import.meta.url));
/** Where the generator is built (gitignored), next to the other bench caches. */
export const NATIVE_OPEN_LOOP_BINARY = fileURLToPath(new URL('../.native/open-loop', import.meta.url));
/** Distinct requests written for one run; operations that vary the viewer cycle through them. */
const MAX_DISTINCT_REQUESTS = 10_000;
/** About this many answers per run are checked whole by the operation (the rest by status and marker). */
const CHECKED_ANSWERS = 2000;

/**
 * The native generator, built with the C compiler (`CC`, else `cc`) when missing or older than
 * its source. Returns the binary's path, or null with the reason when there is no compiler
 * (the caller then keeps to the Node generator).
 */
export function nativeOpenLoopBinary(): { readonly path: string } | { readonly path: null; readonly why: string } {
  if (existsSync(NATIVE_OPEN_LOOP_BINARY) && statSync(NATIVE_OPEN_LOOP_BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return { path: NATIVE_OPEN_LOOP_BINARY };
  const compiler = process.env.CC || 'cc';
  mkdirSync(dirname(NATIVE_OPEN_LOOP_BINARY), { recursive: true });
  const built = spawnSync(compiler, ['-O2', '-pthread', '-o', NATIVE_OPEN_LOOP_BINARY, SOURCE], { encoding: 'utf8' });
  if (built.error) return { path: null, why: `${compiler}: ${built.error.message}` };
  if (built.status !== 0) return { path: null, why: `${compiler} failed: ${built.stderr.trim().slice(0, 300)}` };
  return { path: NATIVE_OPEN_LOOP_BINARY };
}

export interface NativeOpenLoopOptions {
  /** Text every good answer must contain (checked by the generator on every answer). */
  readonly expect?: string;
  /** Cores for the generator's threads, one thread each; none = one thread, unpinned. */
  readonly cores?: readonly number[];
}

/**
 * `openLoop` with the native generator: `rate` requests per second for `seconds` over at most
 * `maxSockets` keep-alive connections, split over one thread per core, each answer timed from
 * its scheduled send. Every answer's status (and `expect`) is checked by the generator; about
 * CHECKED_ANSWERS of them are also checked whole by the operation (`check`, and `tag` counted
 * over those). Throws when the generator cannot be built.
 */
export async function nativeOpenLoop(
  target: Target,
  operation: Operation,
  rate: number,
  seconds: number,
  drainMs: number,
  maxSockets: number,
  options: NativeOpenLoopOptions = {},
): Promise<OpenLoopResult> {
  const binary = nativeOpenLoopBinary();
  if (binary.path === null) throw new Error(`the native open loop cannot be built: ${binary.why}`);
  const cores = options.cores ?? [];
  const threads = Math.max(1, Math.min(cores.length, maxSockets));
  const total = Math.max(1, Math.round(rate * seconds));
  const dir = mkdtempSync(join(tmpdir(), 'native-open-loop-'));
  try {
    const requestsFile = join(dir, 'requests');
    const samplesFile = join(dir, 'samples');
    const requests: Buffer[] = [];
    for (let i = 0; i < Math.min(total, MAX_DISTINCT_REQUESTS); i++) {
      const { body, headers } = operation.request(i);
      const bytes = Buffer.from(httpRequestBytes(target, body, headers));
      requests.push(Buffer.from(`${bytes.length}\n`), bytes);
    }
    writeFileSync(requestsFile, Buffer.concat(requests));
    const args = [
      ...['--host', target.host, '--port', String(target.port), '--rate', String(rate), '--seconds', String(seconds)],
      ...['--drain-ms', String(drainMs), '--connections', String(Math.max(threads, maxSockets)), '--threads', String(threads)],
      ...['--requests', requestsFile, '--samples', samplesFile, '--sample-every', String(Math.max(1, Math.floor(total / CHECKED_ANSWERS)))],
      ...(cores.length > 0 ? ['--cores', cores.slice(0, threads).join(',')] : []),
      ...(options.expect !== undefined ? ['--expect', options.expect] : []),
    ];
    const samples = JSON.parse(await runToEnd(binary.path, args)) as OpenLoopSamples & { tags: Record<string, number> };
    // Whole answers, checked as the Node generator checks every one.
    let bad = 0;
    let firstBad = samples.firstBad;
    for (const body of framedRecords(readFileSync(samplesFile))) {
      const payloads = payloadsOf(body.toString('utf8'), operation.multipart);
      const problem = operation.check(payloads);
      if (problem !== null) {
        bad++;
        firstBad ??= `a checked answer: ${problem}`;
        continue;
      }
      const tag = operation.tag?.(payloads);
      if (tag) samples.tags[tag] = (samples.tags[tag] ?? 0) + 1;
    }
    return summarizeOpenLoops([{ ...samples, bad: samples.bad + bad, ...(firstBad ? { firstBad } : {}) }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The records of a "<byte length>\n<bytes>" file. */
export function* framedRecords(file: Buffer): Generator<Buffer> {
  let at = 0;
  while (at < file.length) {
    const newline = file.indexOf(10, at);
    if (newline < 0) return;
    const length = Number(file.toString('latin1', at, newline));
    yield file.subarray(newline + 1, newline + 1 + length);
    at = newline + 1 + length;
  }
}

function runToEnd(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => void out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => void (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(Buffer.concat(out).toString()) : reject(new Error(`open-loop exited with ${code}: ${err.trim()}`))));
  });
}
