// Worker entry point. Node cannot load TypeScript in a worker by itself, so when the real
// entry is a .ts file (development, tests) the tsx loader is registered in this thread first.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
