import { Deadline } from '../../pipeline/deadline.ts';
import { RankerError } from '../../ports/ranker.ts';
import { instruments } from '../../telemetry/instruments.ts';

/** How long the first request of a batch waits for company. */
export const DEFAULT_MAX_BATCH_DELAY_US = 500;
export const DEFAULT_MAX_BATCH_ROWS = 4096;

/** Sends one merged matrix; resolves with one score per row. Must not outlive `deadline`. */
export type BatchSender = (features: Float32Array, rows: number, deadline: Deadline) => Promise<Float32Array>;

export interface MicroBatcherOptions {
  readonly featureCount: number;
  /** A batch is sent as soon as it holds this many rows; a larger request goes alone. */
  readonly maxBatchRows: number;
  /**
   * How long the first member waits for others. 0: until the end of this event-loop turn
   * (setImmediate). Node timers have 1 ms resolution, so 1..999 us wait 1 ms.
   */
  readonly maxBatchDelayUs: number;
  readonly send: BatchSender;
}

interface Member {
  readonly features: Float32Array;
  readonly rows: number;
  readonly deadline: Deadline;
  resolve(scores: Float32Array): void;
  reject(error: Error): void;
}

/**
 * Merges concurrent `submit` calls (one model) into one matrix, sent when it reaches
 * `maxBatchRows` or when the first member has waited `maxBatchDelayUs`. The batch's deadline
 * is its earliest member's; a member whose deadline passed while waiting is rejected with
 * DEADLINE_EXCEEDED and not sent. Each member gets its own rows' scores (a copy).
 */
export class MicroBatcher {
  private pending: Member[] = [];
  private pendingRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  /** Batches sent so far (for tests and metrics). */
  batchesSent = 0;

  constructor(private readonly options: MicroBatcherOptions) {
    if (options.maxBatchRows < 1) throw new Error('maxBatchRows must be at least 1');
  }

  submit(features: Float32Array, rows: number, deadline: Deadline): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new RankerError('BACKEND_UNAVAILABLE', 'ranker is closed'));
    if (deadline.expired()) return Promise.reject(new RankerError('DEADLINE_EXCEEDED', 'deadline passed before ranking'));
    if (rows >= this.options.maxBatchRows) {
      // Alone it fills a batch: no reason to wait or to delay the others.
      this.batchesSent++;
      instruments().clientBatchRows.record(rows);
      return this.options.send(features, rows, deadline);
    }
    return new Promise((resolve, reject) => {
      if (this.pendingRows + rows > this.options.maxBatchRows) this.flush();
      this.pending.push({ features, rows, deadline, resolve, reject });
      this.pendingRows += rows;
      if (this.pendingRows >= this.options.maxBatchRows) this.flush();
      else this.arm();
    });
  }

  /** Rejects everything waiting; later submits are refused. Batches in flight finish. */
  close(): void {
    this.closed = true;
    this.disarm();
    const members = this.pending;
    this.pending = [];
    this.pendingRows = 0;
    for (const member of members) member.reject(new RankerError('BACKEND_UNAVAILABLE', 'ranker is closing'));
  }

  private arm(): void {
    if (this.timer || this.immediate) return;
    const delayUs = this.options.maxBatchDelayUs;
    if (delayUs <= 0) {
      this.immediate = setImmediate(() => this.flush());
      this.immediate.unref();
    } else {
      this.timer = setTimeout(() => this.flush(), Math.max(1, delayUs / 1000));
      this.timer.unref();
    }
  }

  private disarm(): void {
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private flush(): void {
    this.disarm();
    const waiting = this.pending;
    this.pending = [];
    this.pendingRows = 0;
    const members: Member[] = [];
    for (const member of waiting) {
      if (member.deadline.expired()) member.reject(new RankerError('DEADLINE_EXCEEDED', 'deadline passed while waiting for a batch'));
      else members.push(member);
    }
    if (members.length === 0) return;
    this.batchesSent++;
    void this.sendBatch(members);
  }

  private async sendBatch(members: Member[]): Promise<void> {
    const cols = this.options.featureCount;
    let rows = 0;
    let atMs = Infinity;
    for (const member of members) {
      rows += member.rows;
      atMs = Math.min(atMs, member.deadline.atMs);
    }
    instruments().clientBatchRows.record(rows);
    let features: Float32Array;
    if (members.length === 1) {
      features = members[0]!.features;
    } else {
      features = new Float32Array(rows * cols);
      let offset = 0;
      for (const member of members) {
        features.set(member.features.subarray(0, member.rows * cols), offset);
        offset += member.rows * cols;
      }
    }
    try {
      const scores = await this.options.send(features, rows, Deadline.at(atMs));
      if (scores.length !== rows) throw new RankerError('BACKEND_UNAVAILABLE', `backend answered ${scores.length} scores for ${rows} rows`);
      let offset = 0;
      for (const member of members) {
        member.resolve(members.length === 1 ? scores : scores.slice(offset, offset + member.rows));
        offset += member.rows;
      }
    } catch (error) {
      for (const member of members) member.reject(error as Error);
    }
  }
}
