import type { LoadGenerator } from './load-generator.ts';
import type { ClosedLoopResult } from './closed-loop.ts';
import type { OpenLoopResult } from './open-loop.ts';
import type { Section } from './plan.ts';
import type { SustainRule } from './rate-sweep.ts';
import type { AfterIdleReport } from './after-idle-step.ts';
import type { TargetPairsReport } from './target-pairs-report.ts';

/** Everything measured for one scenario: what `bench/results/<timestamp>.json` holds per row. */
export interface ScenarioResult {
  readonly id: string;
  readonly label: string;
  readonly sections: readonly Section[];
  readonly server: string;
  readonly document: string;
  readonly targeted: boolean;
  readonly closed: ClosedLoopResult;
  /** The server's CPU use during the closed loop, percent of one core (all its threads); absent in older results. */
  readonly closedBusyPercent?: number;
  readonly maxSustainedRps: number;
  readonly sweep: readonly OpenLoopResult[];
  readonly atHalf: OpenLoopResult;
  /** VmHWM of the server process at the end of its scenarios. */
  readonly peakRssMiB: number;
  /** VmHWM of the inference server beside it, for remote scenarios. */
  readonly inferencePeakRssMiB?: number;
}

export interface RunResult {
  readonly date: string;
  readonly mode: 'quick' | 'full';
  readonly node: string;
  readonly cpu: string;
  readonly pinning: string;
  /** Which load generator timed the open loops: 'native' (bench/native/open-loop.c) or 'node'. Absent in runs before it existed (node). */
  readonly generator?: LoadGenerator;
  readonly catalog: { readonly items: number; readonly users: number };
  readonly concurrency: number;
  readonly warmupS: number;
  readonly closedLoopS: number;
  readonly sweepStepS: number;
  readonly measureS: number;
  readonly rule: SustainRule;
  readonly targets: Targets;
  readonly scenarios: readonly ScenarioResult[];
  /** Issue 7's targets measured side by side at the end of the run; absent with --only or --skip-targets, and in older results. */
  readonly issue7?: { readonly pairs: TargetPairsReport; readonly afterIdle: AfterIdleReport };
  /** Why that section is missing when it failed. */
  readonly issue7Error?: string;
  readonly durationS: number;
}

/** The issue's targets for the personalization job, at half the maximum sustainable rate. */
export interface Targets {
  readonly firstP99Ms: number;
  readonly lastP99Ms: number;
}

export const TARGETS: Targets = { firstP99Ms: 5, lastP99Ms: 25 };
