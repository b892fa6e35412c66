import { parentPort, workerData } from 'node:worker_threads';
import { Index, MetricKind, ScalarKind } from 'usearch';
import type { SearchJob, SearchReply, SearchWorkerData } from './search-threads.ts';

// Runs in a worker thread: a full search (k = 500) blocks its thread for about a millisecond
// at 100k items, which the event loop that writes first payloads should not spend.
const config = (workerData as { data: SearchWorkerData }).data;
let index: Index;
try {
  index = new Index({
    dimensions: config.dimension,
    metric: MetricKind.IP,
    quantization: config.quantization === 'f16' ? ScalarKind.F16 : ScalarKind.F32,
    connectivity: config.connectivity,
    expansion_add: config.expansionAdd,
    expansion_search: config.expansionSearch,
    multi: false,
  });
  index.view(config.file); // the same mapped pages as the main thread's view: no second copy
  // A rebuild renames a new file into place; a worker started after it (replacing one that
  // died) must not answer rows of another index.
  if (index.size() !== config.size || index.dimensions() !== config.dimension) {
    throw new Error(`${config.file} now holds ${index.size()} vectors of dimension ${index.dimensions()}, not the ${config.size} of dimension ${config.dimension} this process serves`);
  }
} catch (error) {
  parentPort!.postMessage({ loadError: error instanceof Error ? error.message : String(error) });
  await new Promise(() => undefined); // the pool terminates this thread
  throw new Error('unreachable');
}

parentPort!.on('message', (job: SearchJob) => {
  try {
    const { keys, distances } = index.search(new Float32Array(job.query), job.k, 1);
    // Exact-size copies, so that transferring them detaches nothing else.
    const rows = new Uint32Array(keys.length);
    for (let i = 0; i < keys.length; i++) rows[i] = Number(keys[i]);
    const scores = distances.slice(0, keys.length);
    const reply: SearchReply = { id: job.id, rows: rows.buffer, distances: scores.buffer as ArrayBuffer };
    parentPort!.postMessage(reply, [rows.buffer, scores.buffer as ArrayBuffer]);
  } catch (error) {
    const reply: SearchReply = { id: job.id, error: error instanceof Error ? error.message : String(error) };
    parentPort!.postMessage(reply);
  }
});
parentPort!.postMessage({ ready: true });
