/**
 * An absolute deadline (performance.now() milliseconds). Deadlines combine with `min` and
 * never move later; timers made from them are unref'd so they never hold the process open.
 */
export class Deadline {
  private constructor(readonly atMs: number) {}

  static after(budgetMs: number, nowMs: number = performance.now()): Deadline {
    return new Deadline(nowMs + Math.max(0, budgetMs));
  }

  static at(atMs: number): Deadline {
    return new Deadline(atMs);
  }

  remainingMs(nowMs: number = performance.now()): number {
    return Math.max(0, this.atMs - nowMs);
  }

  expired(nowMs: number = performance.now()): boolean {
    return nowMs >= this.atMs;
  }

  /** The earlier of this deadline and `budgetMs` from now. */
  within(budgetMs: number, nowMs: number = performance.now()): Deadline {
    return new Deadline(Math.min(this.atMs, nowMs + Math.max(0, budgetMs)));
  }

  /** This deadline moved earlier by `marginMs` (never before now). */
  minus(marginMs: number, nowMs: number = performance.now()): Deadline {
    return new Deadline(Math.max(nowMs, this.atMs - marginMs));
  }
}

export class DeadlineExceededError extends Error {
  constructor() {
    super('deadline exceeded');
    this.name = 'DeadlineExceededError';
  }
}

/**
 * Settles with `work`, or rejects with DeadlineExceededError when the deadline passes first.
 * The timer is cleared in `finally` so a fast answer leaves nothing behind.
 */
export async function raceDeadline<T>(work: Promise<T>, deadline: Deadline): Promise<T> {
  if (deadline.expired()) {
    work.catch(() => undefined); // the late answer is dropped; keep its rejection handled
    throw new DeadlineExceededError();
  }
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError()), deadline.remainingMs());
    timer.unref();
  });
  try {
    return await Promise.race([work, expiry]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}
