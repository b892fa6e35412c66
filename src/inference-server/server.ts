import * as grpc from '@grpc/grpc-js';
import { MAX_MESSAGE_BYTES, inferenceServiceDefinition } from '../kserve/inference-proto.ts';
import { DynamicBatcher } from './dynamic-batcher.ts';
import { readModelRepository, type DynamicBatchingConfig } from './model-repository.ts';
import { inferenceServiceHandlers, type ServedModel, type ServiceState } from './service.ts';
import { SessionPool, type ExecutionProvider } from '../adapters/onnx/session-pool.ts';

/** How long a graceful close waits for in-flight calls before cutting them off. */
export const GRACEFUL_SHUTDOWN_MS = 10_000;

export interface InferenceServerOptions {
  /** Model repository folder (see model-repository.ts). */
  readonly repository: string;
  /** 0 picks a free port; `port` on the result says which. */
  readonly port: number;
  readonly host?: string;
  readonly provider?: ExecutionProvider;
  /** Session worker threads per model version (= batches running at once). Default 1. */
  readonly threads?: number;
  /** Overrides every model's config.json dynamic_batching fields. */
  readonly dynamicBatching?: Partial<DynamicBatchingConfig>;
  /** Only these model names are loaded (default: all in the repository). */
  readonly models?: readonly string[];
  readonly gracefulShutdownMs?: number;
}

export interface BatchStats {
  /** Merged runs sent to onnxruntime. */
  readonly batches: number;
  /** Rows computed. */
  readonly rows: number;
}

export interface InferenceServer {
  /** The port actually bound. */
  readonly port: number;
  readonly host: string;
  /** Runs and rows computed per `name@version`, since start. */
  stats(): Record<string, BatchStats>;
  /**
   * graceful (default): refuse new calls, send queued work at once, let in-flight calls answer,
   * then stop the sessions. Not graceful: cut calls off and refuse what is queued.
   */
  close(graceful?: boolean): Promise<void>;
}

/**
 * Loads every model of the repository (each version's sessions in worker threads, each
 * behind a dynamic batcher) and serves the Open Inference Protocol on host:port. Rejects
 * when a model cannot be loaded, e.g. provider 'cuda' without onnxruntime-node's CUDA libraries.
 */
export async function startInferenceServer(options: InferenceServerOptions): Promise<InferenceServer> {
  const host = options.host ?? '127.0.0.1';
  const provider = options.provider ?? 'cpu';
  const threads = options.threads ?? 1;
  const repository = await readModelRepository(options.repository);
  const pools: SessionPool[] = [];
  const batchers: DynamicBatcher[] = [];
  const counters = new Map<string, { batches: number; rows: number }>();
  const models = new Map<string, ServedModel>();
  try {
    for (const [name, model] of repository) {
      if (options.models && !options.models.includes(name)) continue;
      const batching = { ...model.config.dynamic_batching, ...options.dynamicBatching };
      const input = model.config.inputs[0]!;
      const versions = [];
      for (const { version, path } of model.versions) {
        const pool = await SessionPool.start({
          modelPath: path,
          inputName: input.name,
          outputName: model.config.outputs[0]!.name,
          featureCount: input.dims[1]!,
          provider,
          threads,
        });
        pools.push(pool);
        const counter = { batches: 0, rows: 0 };
        counters.set(`${name}@${version}`, counter);
        const batcher = new DynamicBatcher({
          maxBatchRows: batching.max_batch_rows,
          maxQueueDelayUs: batching.max_queue_delay_us,
          maxQueueRequests: batching.max_queue_requests,
          maxInFlight: threads,
          run: (features, rows) => {
            counter.batches++;
            counter.rows += rows;
            return pool.run(features, rows);
          },
        });
        batchers.push(batcher);
        versions.push({ version, batcher });
      }
      models.set(name, { config: { ...model.config, dynamic_batching: batching }, versions });
    }
  } catch (error) {
    await Promise.all(pools.map((p) => p.close()));
    throw error;
  }
  if (models.size === 0) throw new Error(`none of the models ${options.models?.join(', ')} is in ${options.repository}`);

  let draining = false;
  const state: ServiceState = { models, ready: () => !draining, draining: () => draining };
  // Merged batches of thousands of rows pass gRPC's 4 MiB default: accept what clients may send.
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES });
  server.addService(inferenceServiceDefinition(), inferenceServiceHandlers(state));
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${options.port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
  } catch (error) {
    await Promise.all(pools.map((p) => p.close()));
    throw error;
  }

  let closing: Promise<void> | undefined;
  const close = async (graceful: boolean): Promise<void> => {
    draining = true;
    if (graceful) {
      const shutdown = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      // Queued work leaves now instead of waiting out its queue delay.
      await Promise.all(batchers.map((b) => b.drain()));
      let timer: NodeJS.Timeout | undefined;
      const cutOff = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, options.gracefulShutdownMs ?? GRACEFUL_SHUTDOWN_MS);
        timer.unref();
      });
      try {
        await Promise.race([shutdown, cutOff]);
      } finally {
        clearTimeout(timer);
      }
    } else {
      server.forceShutdown();
      for (const batcher of batchers) batcher.abort();
    }
    await Promise.all(pools.map((p) => p.close()));
  };

  return {
    port,
    host,
    stats: () => Object.fromEntries([...counters].map(([id, c]) => [id, { ...c }])),
    close: (graceful = true) => (closing ??= close(graceful)),
  };
}
