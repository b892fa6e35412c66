import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { OnnxWorkerData, ScoreReply, ScoreRequest } from './onnx-protocol.ts';

// Runs in a worker thread: `session.run` blocks the thread it runs on, so it must not run on
// the event loop that serves requests.
const config = (workerData as { data: OnnxWorkerData }).data;
const session = await ort.InferenceSession.create(config.modelPath, {
  intraOpNumThreads: config.intraOpThreads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});

parentPort!.on('message', async (request: ScoreRequest) => {
  try {
    const input = new ort.Tensor('float32', new Float32Array(request.features), [request.rows, config.featureCount]);
    const output = await session.run({ [config.inputName]: input });
    const tensor = output[config.outputName];
    if (!tensor) throw new Error(`model has no output named ${config.outputName}`);
    const data = tensor.data as Float32Array;
    const scores = new Float32Array(data); // own buffer, so it can be transferred
    const reply: ScoreReply = { id: request.id, scores: scores.buffer };
    parentPort!.postMessage(reply, [scores.buffer]);
  } catch (error) {
    const reply: ScoreReply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
    parentPort!.postMessage(reply);
  }
});
parentPort!.postMessage({ ready: true });
