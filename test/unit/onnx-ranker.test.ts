import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it, inject } from 'vitest';
import { startLocalRanker } from '../../src/adapters/embedded-services.ts';
import { OnnxRanker } from '../../src/adapters/onnx/onnx-ranker.ts';
import { loadArtifacts, modelPath, type Artifacts } from '../../src/offline/artifacts.ts';
import { Deadline } from '../../src/pipeline/deadline.ts';
import { RankerError } from '../../src/ports/ranker.ts';

function randomRows(rows: number, cols: number): Float32Array {
  return Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.37) * 0.5);
}

describe('OnnxRanker (worker threads)', () => {
  let artifacts: Artifacts;
  beforeAll(async () => {
    artifacts = await loadArtifacts(inject('artifactsDir'));
  });

  it('scores exactly what onnxruntime scores on the main thread', async () => {
    const ranker = await startLocalRanker(artifacts, { rankerThreads: 2, rankerQueueLimit: 16, rankerPrecision: 'fp32' });
    try {
      const { entry, path } = modelPath(artifacts, 'ranker-light');
      const rows = 37;
      const features = randomRows(rows, entry.featureCount);
      const session = await ort.InferenceSession.create(path);
      const direct = (await session.run({ [entry.inputName]: new ort.Tensor('float32', features.slice(), [rows, entry.featureCount]) }))[entry.outputName]!.data as Float32Array;
      const scores = await ranker.score(features.slice(), rows, Deadline.after(5000));
      expect(scores).toHaveLength(rows);
      for (let i = 0; i < rows; i++) expect(scores[i]).toBeCloseTo(direct[i]!, 5);
      expect(ranker.modelId).toBe('ranker-light@1');
    } finally {
      await ranker.close();
    }
  });

  it('runs its worker threads at the configured nice value (Linux), the event loop keeps its own', async () => {
    const niceOfThreads = (): number[] =>
      readdirSync('/proc/self/task').map((tid) => {
        // Field 19 of stat is the nice value; fields after the parenthesised name start at 3.
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
    if (!existsSync('/proc/thread-self')) return; // not Linux: the setting does nothing there
    const before = niceOfThreads().filter((n) => n === 7).length;
    const ranker = await startLocalRanker(artifacts, { rankerThreads: 2, rankerQueueLimit: 16, rankerPrecision: 'fp32', rankerNice: 7 });
    try {
      const scores = await ranker.score(randomRows(3, ranker.featureCount), 3, Deadline.after(5000));
      expect(scores).toHaveLength(3);
      expect(niceOfThreads().filter((n) => n === 7).length - before).toBeGreaterThanOrEqual(2);
      expect(getPriority()).toBe(0); // the process (its main thread) is left as it was
    } finally {
      await ranker.close();
    }
  });

  it('answers concurrent batches, each with its own scores', async () => {
    const ranker = await startLocalRanker(artifacts, { rankerThreads: 2, rankerQueueLimit: 64, rankerPrecision: 'fp32' });
    try {
      const cols = ranker.featureCount;
      const single = await Promise.all([1, 2, 3].map((r) => ranker.score(randomRows(r, cols).subarray((r - 1) * cols, r * cols).slice(), 1, Deadline.after(5000))));
      const batch = await ranker.score(randomRows(3, cols), 3, Deadline.after(5000));
      for (let r = 0; r < 3; r++) expect(single[r]![0]).toBeCloseTo(batch[r]!, 5);
    } finally {
      await ranker.close();
    }
  });

  it('hands out the matrices its workers give back, and scores a refilled one like a new one', async () => {
    const ranker = await startLocalRanker(artifacts, { rankerThreads: 1, rankerQueueLimit: 4, rankerPrecision: 'fp32' });
    try {
      const rows = 50;
      const length = rows * ranker.featureCount;
      const first = randomRows(rows, ranker.featureCount);
      const firstMatrix = ranker.featureMatrix(length);
      firstMatrix.set(first);
      const firstScores = await ranker.score(firstMatrix, rows, Deadline.after(5000));
      expect(firstMatrix.length).toBe(0); // transferred to the worker
      // The same buffer comes back: it still holds the first batch's values.
      const reused = ranker.featureMatrix(length);
      expect(Array.from(reused.subarray(0, 8))).toEqual(Array.from(first.subarray(0, 8)));
      // The first batch's rows in reverse order: scores in reverse order, whatever was there before.
      const cols = ranker.featureCount;
      const second = new Float32Array(length);
      for (let r = 0; r < rows; r++) second.set(first.subarray((rows - 1 - r) * cols, (rows - r) * cols), r * cols);
      reused.set(second);
      const secondScores = await ranker.score(reused, rows, Deadline.after(5000));
      expect(Array.from(secondScores)).toEqual(Array.from(firstScores).reverse());
      expect(Array.from(secondScores)).toEqual(Array.from(await ranker.score(second.slice(), rows, Deadline.after(5000))));
      // Another size: a new, zeroed matrix.
      expect(Array.from(ranker.featureMatrix(ranker.featureCount * 3)).every((v) => v === 0)).toBe(true);
    } finally {
      await ranker.close();
    }
  });

  it('refuses work beyond its queue with OVERLOADED, and drops batches whose deadline passed while queued', async () => {
    const ranker = await startLocalRanker(artifacts, { rankerThreads: 1, rankerQueueLimit: 1, rankerPrecision: 'fp32' });
    try {
      const rows = 2000;
      const features = () => randomRows(rows, ranker.featureCount);
      const running = ranker.score(features(), rows, Deadline.after(5000)); // goes straight to the worker
      const queuedExpired = ranker.score(features(), rows, Deadline.after(0)); // waits; its deadline is already gone
      const refused = ranker.score(features(), rows, Deadline.after(5000)); // queue full
      await expect(refused).rejects.toMatchObject({ reason: 'OVERLOADED' });
      await expect(running).resolves.toHaveLength(rows);
      const error = await queuedExpired.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RankerError);
      expect((error as RankerError).reason).toBe('DEADLINE_EXCEEDED');
    } finally {
      await ranker.close();
    }
  });

  it('refuses a matrix whose size does not match rows x features', async () => {
    const ranker = await startLocalRanker(artifacts, { rankerThreads: 1, rankerQueueLimit: 4, rankerPrecision: 'fp32' });
    try {
      await expect(ranker.score(new Float32Array(5), 2, Deadline.after(1000))).rejects.toThrow(/expected 2 x/);
    } finally {
      await ranker.close();
    }
  });

  it('fails to start with a clear error when the model file is missing', async () => {
    await expect(
      OnnxRanker.start({ modelPath: '/nonexistent/model.onnx', modelId: 'x@1', inputName: 'features', outputName: 'scores', featureCount: 4, threads: 1, queueLimit: 1 }),
    ).rejects.toThrow();
  });
});

