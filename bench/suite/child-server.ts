import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A server under test in its own process, started and stopped by the suite. */
export interface ChildServer {
  readonly pid: number;
  /** What the ready pattern's first group captured (the URL, or host:port). */
  readonly address: string;
  /** VmHWM of the process, in MiB (NaN when /proc is not readable). */
  peakRssMiB(): number;
  stop(): Promise<void>;
}

export interface ChildServerOptions {
  readonly name: string;
  /** Full command line (taskset prefix included). */
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Matched against stdout; group 1 is the address. */
  readonly ready: RegExp;
  readonly timeoutMs?: number;
}

/** Spawns the command and resolves once its stdout matches `ready`; its output is kept for errors. */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const [file, ...args] = options.command;
  const child = spawn(file!, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.name} not ready after ${(options.timeoutMs ?? 120_000) / 1000} s:\n${output}`)), options.timeoutMs ?? 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = options.ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with ${code}:\n${output}`));
    });
  });
  // Keep draining its output so a chatty server never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  return { pid: child.pid!, address, peakRssMiB: () => peakRssMiB(child.pid!), stop: () => stop(child) };
}

function peakRssMiB(pid: number): number {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kib ? Number(kib[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(force);
}
