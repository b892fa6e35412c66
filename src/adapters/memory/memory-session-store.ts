import type { SessionState, SessionStore } from '../../ports/session-store.ts';

/** Sessions kept at most; the least recently touched go first. */
export const MEMORY_SESSIONS_MAX = 100_000;

/**
 * A session as kept: the recent item ids as one JSON string. As an array of strings a session
 * was some 55 heap objects, and 100,000 sessions were 199 MB and a 255 ms full collection;
 * packed, a collection marks four objects per session and skips the text.
 */
interface PackedSession {
  readonly vector: Float32Array;
  readonly weight: number;
  readonly updatedAt: number;
  readonly events: number;
  readonly recentItemIds: string;
}

function pack(state: SessionState): PackedSession {
  return { vector: state.vector, weight: state.weight, updatedAt: state.updatedAt, events: state.events, recentItemIds: JSON.stringify(state.recentItemIds) };
}

function unpack(packed: PackedSession): SessionState {
  return { vector: packed.vector, weight: packed.weight, updatedAt: packed.updatedAt, events: packed.events, recentItemIds: JSON.parse(packed.recentItemIds) as string[] };
}

/** In-memory session store (LRU by Map insertion order): the embedded default. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, PackedSession>();

  constructor(private readonly maxSessions: number = MEMORY_SESSIONS_MAX) {}

  async get(viewerKey: string): Promise<SessionState | null> {
    const packed = this.sessions.get(viewerKey);
    return packed ? unpack(packed) : null;
  }

  async put(viewerKey: string, state: SessionState): Promise<void> {
    this.store(viewerKey, state);
  }

  /**
   * Read, fold and write in one synchronous step: with get + put, two events of one viewer
   * folded at once both read the same session and the first fold was lost.
   */
  async update(viewerKey: string, fold: (previous: SessionState | null) => SessionState): Promise<SessionState> {
    const previous = this.sessions.get(viewerKey);
    const next = fold(previous ? unpack(previous) : null);
    this.store(viewerKey, next);
    return next;
  }

  private store(viewerKey: string, state: SessionState): void {
    this.sessions.delete(viewerKey);
    this.sessions.set(viewerKey, pack(state));
    if (this.sessions.size > this.maxSessions) {
      this.sessions.delete(this.sessions.keys().next().value!);
    }
  }
}
