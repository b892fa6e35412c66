import { verdict, type Target, type Timed } from './http-client.ts';
import type { Operation } from './operations.ts';
import { percentiles, type Percentiles } from './percentiles.ts';
import { RawHttpPool } from './raw-http-client.ts';

/** Latency at a fixed offered rate. */
export interface OpenLoopResult {
  readonly offeredRps: number;
  /** Good answers per second over the run (its scheduled length, or longer while the backlog drained). */
  readonly achievedRps: number;
  readonly sent: number;
  readonly bad: number;
  /** Requests still unanswered when the drain time ran out (counted in `bad` too). */
  readonly unfinished: number;
  /** Time to the first payload (= last for a single JSON answer), from the intended send time. */
  readonly first: Percentiles;
  readonly last: Percentiles;
  /** p99 of how late the generator sent against schedule: high means the generator, not the server, is the limit. */
  readonly sendLagP99Ms: number;
  /** Good answers per tag (which model ranked HomeFeed, or why it degraded). */
  readonly tags: Readonly<Record<string, number>>;
  readonly firstBad?: string;
}

const MAX_SOCKETS = 512;

/** One open loop's raw figures, so runs of several processes can be merged before percentiles. */
export interface OpenLoopSamples {
  readonly offeredRps: number;
  readonly elapsedS: number;
  readonly sent: number;
  readonly bad: number;
  readonly unfinished: number;
  readonly firsts: number[];
  readonly lasts: number[];
  readonly lags: number[];
  readonly tags: Record<string, number>;
  readonly firstBad?: string;
}

/** Percentiles and rates of one or more open loops run side by side. */
export function summarizeOpenLoops(runs: readonly OpenLoopSamples[]): OpenLoopResult {
  const all = <K extends 'firsts' | 'lasts' | 'lags'>(key: K): number[] => runs.flatMap((run) => run[key]);
  const tags: Record<string, number> = {};
  for (const run of runs) for (const [tag, n] of Object.entries(run.tags)) tags[tag] = (tags[tag] ?? 0) + n;
  const firstBad = runs.find((run) => run.firstBad)?.firstBad;
  const sum = (key: 'offeredRps' | 'sent' | 'bad' | 'unfinished'): number => runs.reduce((total, run) => total + run[key], 0);
  return {
    offeredRps: sum('offeredRps'),
    achievedRps: runs.reduce((total, run) => total + run.lasts.length / run.elapsedS, 0),
    sent: sum('sent'),
    bad: sum('bad'),
    unfinished: sum('unfinished'),
    first: percentiles(all('firsts')),
    last: percentiles(all('lasts')),
    sendLagP99Ms: percentiles(all('lags')).p99,
    tags,
    ...(firstBad ? { firstBad } : {}),
  };
}

/**
 * Sends `rate` requests per second for `seconds`, each at its scheduled time whether or not
 * earlier ones have answered, and times every answer from that scheduled time: no
 * coordinated omission (a stalled server is charged for every request it held up).
 */
export async function openLoop(target: Target, operation: Operation, rate: number, seconds: number, drainMs: number, maxSockets = MAX_SOCKETS): Promise<OpenLoopResult> {
  return summarizeOpenLoops([await openLoopSamples(target, operation, rate, seconds, drainMs, maxSockets)]);
}

/** `openLoop`'s run, returning every sample; request indexes start at `firstIndex`. */
export async function openLoopSamples(target: Target, operation: Operation, rate: number, seconds: number, drainMs: number, maxSockets = MAX_SOCKETS, firstIndex = 0): Promise<OpenLoopSamples> {
  const pool = new RawHttpPool(target, maxSockets);
  const total = Math.max(1, Math.round(rate * seconds));
  const intervalMs = 1000 / rate;
  const firsts: number[] = [];
  const lasts: number[] = [];
  const lags: number[] = [];
  const tags: Record<string, number> = {};
  let bad = 0;
  let done = 0;
  let lastEnd = 0;
  let firstBad: string | undefined;
  let open = true;
  const start = performance.now() + 5;

  await new Promise<void>((resolve) => {
    const drain = setTimeout(resolve, seconds * 1000 + drainMs + 5);
    const settle = (problem: string | null) => {
      if (!open) return;
      if (problem !== null) {
        bad++;
        firstBad ??= problem;
      }
      if (++done === total) {
        clearTimeout(drain);
        resolve();
      }
    };
    // Answers are timed as they end but checked in the next check phase: parsing a body inside
    // the socket callbacks would delay the callbacks of answers that arrived beside it, and the
    // generator would charge its own work to the server.
    let unchecked: Timed[] = [];
    const checkAll = () => {
      const batch = unchecked;
      unchecked = [];
      for (const answer of batch) {
        const problem = verdict(operation, answer);
        if (problem === null && open) {
          firsts.push(answer.firstMs);
          lasts.push(answer.lastMs);
          const tag = operation.tag?.(answer.payloads);
          if (tag) tags[tag] = (tags[tag] ?? 0) + 1;
        }
        settle(problem);
      }
    };
    const answered = (answer: Timed) => {
      lastEnd = performance.now();
      if (unchecked.push(answer) === 1) setImmediate(checkAll);
    };
    let next = 0;
    // A setImmediate spin rather than timers: sends stay within microseconds of schedule, and
    // I/O still runs between turns. The generator owns its core.
    const tick = () => {
      const now = performance.now();
      while (next < total) {
        const intended = start + next * intervalMs;
        if (intended > now) break;
        lags.push(now - intended);
        const i = next++;
        const { body, headers } = operation.request(firstIndex + i);
        pool.send(body, headers, operation.multipart, intended).then(answered, (error: Error) => settle(`request failed: ${error.message}`));
      }
      if (next < total) setImmediate(tick);
    };
    tick();
  });
  open = false;
  pool.destroy();
  const unfinished = total - done;
  const elapsedS = Math.max(seconds, (lastEnd - start) / 1000);
  return {
    offeredRps: rate,
    elapsedS,
    sent: total,
    bad: bad + unfinished,
    unfinished,
    firsts,
    lasts,
    lags,
    tags,
    ...(firstBad || unfinished ? { firstBad: firstBad ?? `${unfinished} unanswered after the drain time` } : {}),
  };
}
