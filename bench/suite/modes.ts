/** How long and how big one run is: `--quick` for development, full for the figures we publish. */
export interface Mode {
  readonly name: 'quick' | 'full';
  /** Synthetic catalog size of the personalization job. */
  readonly items: number;
  /** Per server, before anything is measured. */
  readonly warmupS: number;
  readonly closedLoopS: number;
  /** Each step of the rate sweep. */
  readonly sweepStepS: number;
  /** The latency run at half the maximum sustainable rate. */
  readonly measureS: number;
  /** How long an open-loop run waits for stragglers after its last send. */
  readonly drainMs: number;
  /** Issue 7's target pairs at the end of the run (bench/suite/target-pairs.ts): alternating rounds, seconds per side. */
  readonly pairRounds: number;
  readonly pairSeconds: number;
  /** Then the after-idle burst (bench/after-idle.ts): idle seconds, burst seconds, its open-loop rate. */
  readonly afterIdle: { readonly idleS: number; readonly burstS: number; readonly rate: number };
}

// The after-idle burst is the protocol of README's after-idle figures: two minutes idle, then
// CoarseFeed for new users at 250 req/s for 10 s.
export const FULL: Mode = {
  name: 'full',
  items: 100_000,
  warmupS: 10,
  closedLoopS: 4,
  sweepStepS: 3,
  measureS: 8,
  drainMs: 2_000,
  pairRounds: 3,
  pairSeconds: 3,
  afterIdle: { idleS: 120, burstS: 10, rate: 250 },
};
export const QUICK: Mode = {
  name: 'quick',
  items: 20_000,
  warmupS: 2,
  closedLoopS: 2,
  sweepStepS: 1,
  measureS: 2,
  drainMs: 1_000,
  pairRounds: 1,
  pairSeconds: 1,
  afterIdle: { idleS: 5, burstS: 2, rate: 100 },
};
