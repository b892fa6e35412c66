import type { SessionState, SessionStore } from '../../ports/session-store.ts';

/** Sessions kept at most; the least recently touched go first. */
export const MEMORY_SESSIONS_MAX = 100_000;

/** In-memory session store (LRU by Map insertion order): the embedded default. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionState>();

  constructor(private readonly maxSessions: number = MEMORY_SESSIONS_MAX) {}

  async get(viewerKey: string): Promise<SessionState | null> {
    return this.sessions.get(viewerKey) ?? null;
  }

  async put(viewerKey: string, state: SessionState): Promise<void> {
    this.store(viewerKey, state);
  }

  /**
   * Read, fold and write in one synchronous step: with get + put, two events of one viewer
   * folded at once both read the same session and the first fold was lost.
   */
  async update(viewerKey: string, fold: (previous: SessionState | null) => SessionState): Promise<SessionState> {
    const next = fold(this.sessions.get(viewerKey) ?? null);
    this.store(viewerKey, next);
    return next;
  }

  private store(viewerKey: string, state: SessionState): void {
    this.sessions.delete(viewerKey);
    this.sessions.set(viewerKey, state);
    if (this.sessions.size > this.maxSessions) {
      this.sessions.delete(this.sessions.keys().next().value!);
    }
  }
}
