import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { startInferenceServer } from './server.ts';
import type { ExecutionProvider } from '../adapters/onnx/session-pool.ts';
import { LOG_LEVELS, type LogLevel } from '../config.ts';
import { createLogger } from '../telemetry/logger.ts';
import { otlpEndpointOf, startTelemetry } from '../telemetry/setup.ts';

// npm run inference-server -- --models <repository> [--port 8001] [--host 127.0.0.1] [--provider cpu|cuda]
//   [--threads 1] [--max-batch-rows n] [--max-queue-delay-us n] [--queue-limit n] [--model name ...] [--metrics-port n]
// Prints "inference server listening on <host>:<port>" once every model is loaded.
// Telemetry: OTEL_EXPORTER_OTLP_ENDPOINT exports spans (ModelInfer server span, batch runs),
// OTEL_SDK_DISABLED=true turns OpenTelemetry off, --metrics-port serves GET /metrics, LOG_LEVEL.
const USAGE = 'usage: npm run inference-server -- --models <repository> [--port 8001] [--host 127.0.0.1] [--provider cpu|cuda] [--threads n] [--max-batch-rows n] [--max-queue-delay-us n] [--queue-limit n] [--model name]... [--metrics-port n]';

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
      'metrics-port': { type: 'string' },
    },
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (!values.models) fail('--models is required');
if (values.provider !== 'cpu' && values.provider !== 'cuda') fail(`--provider must be cpu or cuda, got "${values.provider}"`);

const logLevel = process.env.LOG_LEVEL || 'info';
if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) fail(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
const logger = createLogger({ level: logLevel as LogLevel, name: 'inference-server' });
const metricsPort = integer('metrics-port', values['metrics-port'], 0);
// Before the server starts: its instruments bind to the provider registered here.
const telemetry = startTelemetry({
  serviceName: process.env.OTEL_SERVICE_NAME || 'personalization-inference-server',
  disabled: process.env.OTEL_SDK_DISABLED === 'true',
  metrics: metricsPort !== undefined,
  otlpEndpoint: otlpEndpointOf(process.env),
});
const metricsEndpoint = telemetry.metricsEndpoint;
const metricsServer = metricsEndpoint && metricsPort !== undefined
  ? createServer((req, res) => {
    if (req.url === '/metrics') void metricsEndpoint(req, res).catch(() => res.destroy());
    else res.writeHead(404).end();
  })
  : null;

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
  if (metricsServer) {
    await new Promise<void>((resolve) => metricsServer.listen(metricsPort, values.host, resolve));
    const address = metricsServer.address();
    logger.info(`metrics on http://${values.host}:${typeof address === 'object' && address ? address.port : metricsPort}/metrics`);
  }
  // A plain line, not a log record: scripts and tests wait for exactly this on stdout.
  console.log(`inference server listening on ${server.host}:${server.port}`);
  const stop = (signal: string): void => {
    logger.info(`inference server: ${signal}, finishing in-flight work`);
    metricsServer?.close();
    server.close(true).then(() => telemetry.shutdown()).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`inference server: shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
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
