import type { SessionState, SessionStore } from '../../ports/session-store.ts';

/**
 * The session store, invalidating the viewer's cached answers after each write of their
 * session (recordEvent and POST /events both fold events through it): the invalidation comes
 * after the new session is stored, so a request that sees the new generation sees the new
 * session. A failed invalidation is logged, never fails the event (entries expire by TTL).
 */
export function invalidatingSessionStore(
  store: SessionStore,
  invalidate: (viewerKey: string) => Promise<void>,
  log: Pick<Console, 'warn'> = console,
): SessionStore {
  const after = async (viewerKey: string): Promise<void> => {
    try {
      await invalidate(viewerKey);
    } catch (error) {
      log.warn(`response cache: invalidation of ${viewerKey} failed: ${(error as Error).message}`);
    }
  };
  const wrapped: SessionStore & {
    update?: (viewerKey: string, fold: (previous: SessionState | null) => SessionState) => Promise<SessionState>;
  } = {
    get: (viewerKey) => store.get(viewerKey),
    async put(viewerKey, state) {
      await store.put(viewerKey, state);
      await after(viewerKey);
    },
  };
  const atomic = store as SessionStore & {
    update?: (viewerKey: string, fold: (previous: SessionState | null) => SessionState) => Promise<SessionState>;
  };
  if (typeof atomic.update === 'function') {
    const update = atomic.update.bind(store);
    wrapped.update = async (viewerKey, fold) => {
      const next = await update(viewerKey, fold);
      await after(viewerKey);
      return next;
    };
  }
  return wrapped;
}
