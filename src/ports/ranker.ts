import type { Deadline } from '../pipeline/deadline.ts';

/**
 * Ranker port: scores a row-major [rows x cols] float32 feature matrix, one score per row.
 * Rejects with a RankerError when it cannot answer; it must not keep a caller past `deadline`.
 */
export interface Ranker {
  /** name@version, reported as `Ranking.model`. */
  readonly modelId: string;
  readonly featureCount: number;
  score(features: Float32Array, rows: number, deadline: Deadline): Promise<Float32Array>;
  /**
   * A matrix of `length` floats for the caller to fill completely and pass to `score` (it may
   * hold an earlier request's values): a ranker that can reuse its buffers offers them here.
   */
  featureMatrix?(length: number): Float32Array;
  close(): Promise<void>;
}

/** A ranker across the network, whose recent latency a routing policy can read. */
export interface ObservedRanker extends Ranker {
  /** p95 of recent successful calls in milliseconds; 0 before enough calls. */
  observedP95Ms(): number;
}

export type RankerFailure = 'DEADLINE_EXCEEDED' | 'BACKEND_UNAVAILABLE' | 'OVERLOADED' | 'CIRCUIT_OPEN';

/** Why a ranker could not answer; the reason maps onto `DegradedReason`. */
export class RankerError extends Error {
  constructor(readonly reason: RankerFailure, message: string) {
    super(message);
    this.name = 'RankerError';
  }
}
