import { keepAliveAgent, send, type Target } from './http-client.ts';
import { openLoop, type OpenLoopResult } from './open-loop.ts';
import type { Operation } from './operations.ts';

/** An offered rate is sustained when no answer is bad, and both bounds below hold. */
export interface SustainRule {
  /** Good answers per second at least this share of the offered rate. */
  readonly minAchievedShare: number;
  /** p99 of the last payload at most this. */
  readonly maxP99Ms: number;
}

export const DEFAULT_RULE: SustainRule = { minAchievedShare: 0.95, maxP99Ms: 50 };

export function sustained(run: OpenLoopResult, rule: SustainRule): boolean {
  return run.bad === 0 && run.achievedRps >= rule.minAchievedShare * run.offeredRps && run.last.p99 <= rule.maxP99Ms;
}

export interface SweepResult {
  /** Highest offered rate that was sustained (0 when none was). */
  readonly maxSustainedRps: number;
  readonly steps: readonly OpenLoopResult[];
  /** The latency run at half of `maxSustainedRps`. */
  readonly atHalf: OpenLoopResult;
}

/**
 * Fractions of the closed-loop throughput tried upward until one fails, then downward when even
 * the first fails. Up to 3x: a closed loop of 16 connections can be bound by its own round trips
 * (or by autocannon), and a generator that keeps its schedule then finds an open-loop rate above it.
 */
const UP = [0.5, 0.7, 0.85, 1, 1.15, 1.3, 1.5, 1.75, 2, 2.5, 3];
const DOWN = [0.25, 0.1, 0.03];
/**
 * Then halvings of the gap between the highest sustained rate and the lowest failed one above
 * it. Without them a server that fails at half its closed-loop rate was credited a quarter of
 * it. Requests that arrive one at a time cost more than a closed loop's, so a fast server whose
 * closed loop batches well often lands there.
 */
const REFINE_STEPS = 2;
/** A gap narrower than this share of the sustained rate is not halved further. */
const REFINE_MIN_GAP = 0.05;
const SETTLE_MS = 500;
/** Runs stretch (up to twice their length) to hold this many requests, so a p99 is not just the maximum. */
const MIN_STEP_REQUESTS = 100;
const MIN_MEASURE_REQUESTS = 1000;

function lengthS(rate: number, baseS: number, minRequests: number): number {
  return Math.min(2 * baseS, Math.max(baseS, minRequests / rate));
}

/** Seconds at the latency run's rate before it is recorded (the target pairs' latency runs too). */
export const STEADY_RUN_S = 3;

/**
 * Waits until the server answers again (a probe queues behind whatever backlog an overloaded
 * step left it), then a little more, so no step pays for the one before.
 */
async function quiesce(target: Target, operation: Operation): Promise<void> {
  const agent = keepAliveAgent(1);
  try {
    await send(target, agent, operation, 0, performance.now());
  } catch {
    // A refused probe still means the backlog has cleared.
  } finally {
    agent.destroy();
  }
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

/**
 * Open-loop steps around the closed-loop estimate: upward until one is not sustained (twice),
 * and when the first already fails, downward until one is; then up to REFINE_STEPS halvings
 * between the highest sustained and the lowest failed rate; then the latency run at half the
 * highest sustained rate, after an unrecorded run of STEADY_RUN_S at that rate.
 */
export async function rateSweep(
  target: Target,
  operation: Operation,
  estimateRps: number,
  timing: { readonly stepS: number; readonly measureS: number; readonly drainMs: number },
  rule: SustainRule,
  log: (line: string) => void,
  /** How one open-loop step runs (the suite spreads fast ones over its load cores). */
  runAt: (rate: number, seconds: number) => Promise<OpenLoopResult> = (rate, seconds) => openLoop(target, operation, rate, seconds, timing.drainMs),
): Promise<SweepResult> {
  const steps: OpenLoopResult[] = [];
  let best = 0;
  const attempt = async (rate: number): Promise<boolean> => {
    const run = await runAt(rate, lengthS(rate, timing.stepS, MIN_STEP_REQUESTS));
    steps.push(run);
    const ok = sustained(run, rule);
    log(`  sweep ${String(rate).padStart(6)} req/s: achieved ${run.achievedRps.toFixed(0)}, p99 ${run.last.p99.toFixed(2)} ms, bad ${run.bad} -> ${ok ? 'sustained' : 'not sustained'}`);
    await quiesce(target, operation);
    return ok;
  };
  // A failed step is tried once more: on a shared machine one stall of a neighbour can sink it.
  let lowestFailed = Number.POSITIVE_INFINITY;
  const stepAt = async (rate: number): Promise<boolean> => {
    const ok = (await attempt(rate)) || (await attempt(rate));
    if (ok) best = Math.max(best, rate);
    else lowestFailed = Math.min(lowestFailed, rate);
    return ok;
  };
  const step = (fraction: number) => stepAt(Math.max(1, Math.round(estimateRps * fraction)));
  for (const fraction of UP) if (!(await step(fraction))) break;
  if (best === 0) for (const fraction of DOWN) if (await step(fraction)) break;
  // Only between a sustained and a failed step: when every step up held, the highest is the answer
  // (halving towards an infinite failed rate asked for an infinite rate).
  for (let i = 0; i < REFINE_STEPS && best > 0 && Number.isFinite(lowestFailed) && lowestFailed > best; i++) {
    if (lowestFailed - best <= Math.max(1, REFINE_MIN_GAP * best)) break;
    await stepAt(Math.round((best + lowestFailed) / 2));
  }
  const halfRate = Math.max(1, Math.round((best || estimateRps * DOWN[DOWN.length - 1]!) / 2));
  // An unrecorded run at that rate first: the latency is the steady state's, not the recovery
  // from the sweep's overload steps (a backlog of seconds grows the heap; a HomeFeed run right
  // after six steps at 1.2-1.3x its capacity had a first-payload p99 of 25 ms, 1.5 ms without).
  await runAt(halfRate, Math.min(timing.measureS, STEADY_RUN_S));
  const atHalf = await runAt(halfRate, lengthS(halfRate, timing.measureS, MIN_MEASURE_REQUESTS));
  log(`  at ${halfRate} req/s (half): p50 ${atHalf.last.p50.toFixed(2)}, p99 ${atHalf.last.p99.toFixed(2)}, p99.9 ${atHalf.last.p999.toFixed(2)} ms, bad ${atHalf.bad}`);
  return { maxSustainedRps: best, steps, atHalf };
}
