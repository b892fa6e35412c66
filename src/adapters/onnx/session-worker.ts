import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { SessionReply, SessionRun, SessionWorkerData } from './session-pool.ts';

// Runs in a worker thread: `session.run` blocks its thread, so it must not share the event
// loop that answers requests.
const config = (workerData as { data: SessionWorkerData }).data;
if (config.niceness) lowerThisThreadsPriority(config.niceness);
let session: ort.InferenceSession;
try {
  session = await ort.InferenceSession.create(config.modelPath, {
    executionProviders: [config.provider],
    intraOpNumThreads: config.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
} catch (error) {
  parentPort!.postMessage({ loadError: error instanceof Error ? error.message : String(error) });
  await new Promise(() => undefined); // the pool terminates this thread
  throw new Error('unreachable');
}

parentPort!.on('message', async (request: SessionRun) => {
  try {
    const input = new ort.Tensor('float32', new Float32Array(request.features), [request.rows, config.featureCount]);
    const output = await session.run({ [config.inputName]: input });
    const tensor = output[config.outputName];
    if (!tensor) throw new Error(`model has no output named ${config.outputName}`);
    const scores = new Float32Array(tensor.data as Float32Array); // own buffer, so it can be transferred
    // The feature matrix goes back too: the caller fills it again for a later request instead
    // of allocating (and the kernel zeroing) ~400 KB per request.
    const reply: SessionReply = { id: request.id, scores: scores.buffer, features: request.features };
    parentPort!.postMessage(reply, [scores.buffer, request.features]);
  } catch (error) {
    const reply: SessionReply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
    parentPort!.postMessage(reply);
  }
});
parentPort!.postMessage({ ready: true });

/**
 * Sets this thread's nice value (Linux keeps one per thread; /proc/thread-self names it).
 * Threads the session creates later inherit it. Elsewhere, or when refused, nothing changes.
 */
function lowerThisThreadsPriority(niceness: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, niceness);
  } catch {
    // Not Linux, or not permitted: the thread keeps the process's priority.
  }
}
