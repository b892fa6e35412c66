import { parseArgs } from 'node:util';
import { startInferenceServer } from './server.ts';
import type { ExecutionProvider } from '../adapters/onnx/session-pool.ts';

// npm run inference-server -- --models <repository> [--port 8001] [--host 127.0.0.1] [--provider cpu|cuda]
//   [--threads 1] [--max-batch-rows n] [--max-queue-delay-us n] [--queue-limit n] [--model name ...]
// Prints "inference server listening on <host>:<port>" once every model is loaded.
const USAGE = 'usage: npm run inference-server -- --models <repository> [--port 8001] [--host 127.0.0.1] [--provider cpu|cuda] [--threads n] [--max-batch-rows n] [--max-queue-delay-us n] [--queue-limit n] [--model name]...';

function fail(message: string): never {
  console.error(`inference server: ${message}\n${USAGE}`);
  process.exit(2);
}

function integer(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(`--${flag} must be an integer >= ${min}, got "${value}"`);
  return n;
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      models: { type: 'string' },
      model: { type: 'string', multiple: true },
      port: { type: 'string', default: '8001' },
      host: { type: 'string', default: '127.0.0.1' },
      provider: { type: 'string', default: 'cpu' },
      threads: { type: 'string', default: '1' },
      'max-batch-rows': { type: 'string' },
      'max-queue-delay-us': { type: 'string' },
      'queue-limit': { type: 'string' },
    },
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (!values.models) fail('--models is required');
if (values.provider !== 'cpu' && values.provider !== 'cuda') fail(`--provider must be cpu or cuda, got "${values.provider}"`);

const dynamicBatching = Object.fromEntries(
  Object.entries({
    max_batch_rows: integer('max-batch-rows', values['max-batch-rows'], 1),
    max_queue_delay_us: integer('max-queue-delay-us', values['max-queue-delay-us'], 0),
    max_queue_requests: integer('queue-limit', values['queue-limit'], 1),
  }).filter(([, v]) => v !== undefined),
);

try {
  const server = await startInferenceServer({
    repository: values.models,
    port: integer('port', values.port, 0)!,
    host: values.host,
    provider: values.provider as ExecutionProvider,
    threads: integer('threads', values.threads, 1)!,
    dynamicBatching,
    ...(values.model ? { models: values.model } : {}),
  });
  console.log(`inference server listening on ${server.host}:${server.port}`);
  const stop = (signal: string): void => {
    console.log(`inference server: ${signal}, finishing in-flight work`);
    server.close(true).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`inference server: shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (error) {
  console.error(`inference server failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
