/**
 * A queue for work that may wait behind new requests: each waiter is released in a turn of the
 * event loop of its own, so the I/O phase (requests that have arrived, and their first payloads)
 * runs between any two of them.
 *
 * Why: a refined pass does a millisecond or more of synchronous work (the full index search, the
 * feature rows, building and writing the ranked page). With a plain `setImmediate` per request,
 * every pass that became ready during one turn ran back to back in the next check phase, and a
 * request that arrived meanwhile waited for all of them before its coarse payload could be
 * written. Released one per turn, it waits for one at most. Under overload the refined passes
 * fall behind instead, and their deadline turns them into the coarse order marked degraded: the
 * page is never the one that waits.
 */
const waiting: Array<() => void> = [];
let scheduled = false;

function releaseOne(): void {
  const next = waiting.shift()!;
  // Queued from inside the check phase, the next release runs in the next turn, after I/O.
  if (waiting.length > 0) setImmediate(releaseOne);
  else scheduled = false;
  next();
}

/** Resolves in a later turn of the event loop than any I/O already waiting, one waiter per turn, in order. */
export function yieldToArrivals(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(releaseOne);
    }
  });
}

/** How many waiters are queued (for tests and diagnostics). */
export function waitingForTurn(): number {
  return waiting.length;
}
