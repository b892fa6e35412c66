/**
 * Progress bars for the offline CLIs, with no dependencies. On a terminal the line is redrawn
 * in place; elsewhere (CI logs, pipes) a line is printed at most every 10%, so logs stay short.
 */

/** Where progress goes: any writable with an optional `isTTY` (process.stderr by default). */
export interface ProgressStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

export interface ProgressOptions {
  /** Print nothing at all. */
  readonly quiet?: boolean;
}

export interface Progress {
  /** Reports the fraction done, 0..1 (clamped; going backwards is ignored). Cheap to call often. */
  update(fraction: number): void;
  /** Ends the bar with 100% and the elapsed time, plus an optional note. Later calls do nothing. */
  done(note?: string): void;
}

const BAR_WIDTH = 24;
/** Terminal redraws at most this often: writing to a TTY costs more than the work between calls. */
const TTY_REDRAW_MS = 100;
/** Non-terminal output: one line per this much progress. */
const LOG_STEP = 0.1;

/** A bar labelled `label`; the clock starts now. */
export function createProgress(label: string, stream: ProgressStream = process.stderr, options: ProgressOptions = {}): Progress {
  if (options.quiet) return { update() {}, done() {} };
  const tty = stream.isTTY === true;
  const started = performance.now();
  let fraction = 0;
  let lastDrawMs = Number.NEGATIVE_INFINITY;
  let lastLogged = -1;
  let finished = false;

  const line = (f: number, tail: string): string => {
    const filled = Math.round(f * BAR_WIDTH);
    const percent = `${Math.floor(f * 100)}%`.padStart(4);
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent} ${tail}`;
  };

  return {
    update(value: number) {
      if (finished || !(value >= fraction)) return;
      fraction = Math.min(1, value);
      const now = performance.now();
      if (tty) {
        if (now - lastDrawMs < TTY_REDRAW_MS) return;
        lastDrawMs = now;
        stream.write(`\r${line(fraction, eta(now - started, fraction))}\x1b[K`);
      } else {
        const step = Math.floor(fraction / LOG_STEP);
        if (step <= lastLogged || fraction >= 1) return;
        lastLogged = step;
        stream.write(`${line(fraction, eta(now - started, fraction))}\n`);
      }
    },
    done(note?: string) {
      if (finished) return;
      finished = true;
      const tail = `in ${formatDuration(performance.now() - started)}${note ? `, ${note}` : ''}`;
      stream.write(`${tty ? '\r' : ''}${line(1, tail)}${tty ? '\x1b[K' : ''}\n`);
    },
  };
}

function eta(elapsedMs: number, fraction: number): string {
  // Too early to extrapolate: the first percent is often setup, not representative work.
  if (fraction < 0.01 || elapsedMs < 200) return 'ETA ...';
  return `ETA ${formatDuration((elapsedMs * (1 - fraction)) / fraction)}`;
}

/** "850ms", "12.3s", "4m05s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}
