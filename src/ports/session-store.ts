/** The live taste of a viewer in this session: a decayed blend of touched items' vectors. */
export interface SessionState {
  /** Decayed, unnormalised sum of weighted item vectors, as of `updatedAt`. */
  readonly vector: Float32Array;
  /** Decayed sum of event weights, as of `updatedAt`. */
  readonly weight: number;
  /** Epoch milliseconds of the last event folded in. */
  readonly updatedAt: number;
  readonly events: number;
  /** Most recent item ids first, for exclusion and explanations. */
  readonly recentItemIds: readonly string[];
}

/** Session store port, keyed by viewer key (user id or anonymous session id). */
export interface SessionStore {
  get(viewerKey: string): Promise<SessionState | null>;
  put(viewerKey: string, state: SessionState): Promise<void>;
}
