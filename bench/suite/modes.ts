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
}

export const FULL: Mode = { name: 'full', items: 100_000, warmupS: 10, closedLoopS: 4, sweepStepS: 3, measureS: 8, drainMs: 2_000 };
export const QUICK: Mode = { name: 'quick', items: 20_000, warmupS: 2, closedLoopS: 2, sweepStepS: 1, measureS: 2, drainMs: 1_000 };
