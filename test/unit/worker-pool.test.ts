import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/workers/worker-pool.ts';

interface Job {
  readonly id: number;
  readonly value: number;
  readonly exit?: boolean;
}
interface Reply {
  readonly id: number;
  readonly value: number;
}

const ENTRY = new URL('../fixtures/echo-worker.ts', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'worker-pool-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WorkerPool', () => {
  it('answers every job with its own reply, more jobs than workers', async () => {
    const pool = await WorkerPool.start<Job, Reply>({ entry: ENTRY, data: { refuseWhileExists: join(dir, 'never') }, threads: 2 });
    try {
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run({ value: i })));
      expect(replies.map((r) => r.value)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    } finally {
      await pool.close();
    }
  });

  it('refuses to start when a worker cannot, with its reason', async () => {
    const flag = join(dir, 'refuse-now');
    writeFileSync(flag, '');
    await expect(WorkerPool.start<Job, Reply>({ entry: ENTRY, data: { refuseWhileExists: flag }, threads: 1, loadErrorMessage: (cause) => `cannot start: ${cause}` })).rejects.toThrow(
      'cannot start: told to refuse',
    );
  });

  it('fails the job of a worker that dies and replaces it', async () => {
    const pool = await WorkerPool.start<Job, Reply>({ entry: ENTRY, data: { refuseWhileExists: join(dir, 'never') }, threads: 1 });
    try {
      await expect(pool.run({ value: 1, exit: true })).rejects.toThrow('worker exited');
      expect((await pool.run({ value: 21 })).value).toBe(42);
    } finally {
      await pool.close();
    }
  });

  it('refuses jobs, instead of holding them for ever, once no worker can be started again', async () => {
    const flag = join(dir, 'refuse-later');
    const pool = await WorkerPool.start<Job, Reply>({ entry: ENTRY, data: { refuseWhileExists: flag }, threads: 1 });
    try {
      writeFileSync(flag, ''); // the replacement will refuse to start
      const dying = pool.run({ value: 1, exit: true });
      const waiting = pool.run({ value: 2 }); // queued behind the dying one
      await expect(dying).rejects.toThrow('worker exited');
      await expect(waiting).rejects.toThrow('no workers');
      await expect(pool.run({ value: 3 })).rejects.toThrow('no workers');
    } finally {
      await pool.close();
    }
  });

  it('refuses jobs once closed', async () => {
    const pool = await WorkerPool.start<Job, Reply>({ entry: ENTRY, data: { refuseWhileExists: join(dir, 'never') }, threads: 1 });
    await pool.close();
    await expect(pool.run({ value: 1 })).rejects.toThrow('closed');
  });
});
