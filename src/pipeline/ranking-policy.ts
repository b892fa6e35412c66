import type { Surface } from '../config.ts';
import { RankerError, type ObservedRanker, type Ranker } from '../ports/ranker.ts';
import type { Deadline } from './deadline.ts';

/** Budget left on top of the remote model's p95 before it is worth trying. */
export const REMOTE_MARGIN_MS = 10;
/**
 * Time kept back from the remote call so the local fallback still fits in the deadline: this
 * share of the remaining budget, and never less than the floor.
 */
export const LOCAL_FALLBACK_RESERVE_SHARE = 0.3;
export const LOCAL_FALLBACK_RESERVE_MIN_MS = 10;
/** Surfaces that never wait on the network: their budget is too tight to gamble on. */
export const LOCAL_ONLY_SURFACES: ReadonlySet<Surface> = new Set(['CHECKOUT']);

export interface Scored {
  readonly scores: Float32Array;
  /** name@version of the model that produced `scores`. */
  readonly model: string;
}

export type Scorer = (features: Float32Array, rows: number, deadline: Deadline) => Promise<Scored>;

/**
 * Hybrid routing for one request: the remote (heavy) model when the surface allows it and
 * the remaining budget covers its observed p95 plus a margin; the local (light) model
 * otherwise, and when the remote call fails. Fallback order: remote, local, and then the
 * caller's coarse order (this throws the last RankerError).
 */
export function hybridScorer(surface: Surface, local: Ranker, remote: ObservedRanker | null): Scorer {
  return async (features, rows, deadline) => {
    if (remote && !LOCAL_ONLY_SURFACES.has(surface) && deadline.remainingMs() >= remote.observedP95Ms() + REMOTE_MARGIN_MS) {
      try {
        // A copy: the local ranker transfers (detaches) the buffer it is given.
        const reserveMs = Math.max(LOCAL_FALLBACK_RESERVE_MIN_MS, deadline.remainingMs() * LOCAL_FALLBACK_RESERVE_SHARE);
        const scores = await remote.score(features.slice(), rows, deadline.minus(reserveMs));
        return { scores, model: remote.modelId };
      } catch (error) {
        if (!(error instanceof RankerError)) throw error;
        if (deadline.expired()) throw error;
      }
    }
    return { scores: await local.score(features, rows, deadline), model: local.modelId };
  };
}
