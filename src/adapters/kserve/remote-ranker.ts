import { Deadline } from '../../pipeline/deadline.ts';
import { RankerError, type ObservedRanker } from '../../ports/ranker.ts';
import { observeEndpoints } from '../../telemetry/observers.ts';
import { EndpointPool, type EndpointPoolOptions, type EndpointSnapshot } from './endpoint-pool.ts';
import { decodeScores, encodeInferRequest, type InferTensorNames } from './infer-tensors.ts';
import type { KServeClientOptions } from './kserve-client.ts';
import { LatencyWindow } from './latency-window.ts';
import { DEFAULT_MAX_BATCH_DELAY_US, DEFAULT_MAX_BATCH_ROWS, MicroBatcher } from './micro-batcher.ts';
import { MAX_MESSAGE_BYTES } from '../../kserve/inference-proto.ts';

/** How long `connect` waits for at least one endpoint to report ready. */
export const CONNECT_TIMEOUT_MS = 10_000;
const CONNECT_RETRY_MS = 200;
/** Reserved for the gateway's own work after ranking when the caller gives no margin. */
export const DEFAULT_DEADLINE_MARGIN_MS = 5;

export interface RemoteRankerOptions {
  /** host:port of each Open Inference Protocol server (plaintext gRPC). */
  readonly endpoints: readonly string[];
  readonly modelName: string;
  /** Absent: the server's default version (ModelMetadata's first). */
  readonly modelVersion?: string;
  readonly featureCount: number;
  readonly inputName?: string;
  readonly outputName?: string;
  /** The call's deadline is the request's deadline minus this. */
  readonly deadlineMarginMs?: number;
  readonly maxBatchRows?: number;
  readonly maxBatchDelayUs?: number;
  /** Second copy to another endpoint after the first endpoint's observed p95 (default off). */
  readonly hedging?: boolean;
  readonly breakerFailures?: number;
  readonly breakerOpenMs?: number;
  readonly readinessIntervalMs?: number;
  readonly connectTimeoutMs?: number;
  readonly client?: KServeClientOptions;
}

/**
 * The ranker port over Open Inference Protocol servers: concurrent score() calls are merged by
 * a MicroBatcher into one ModelInfer, sent through an EndpointPool (least outstanding, readiness,
 * per-endpoint breakers, optional hedging). Each call's deadline travels as the gRPC deadline and
 * as the `timeout` parameter (microseconds).
 */
export class RemoteRanker implements ObservedRanker {
  readonly featureCount: number;
  private readonly batcher: MicroBatcher;
  private readonly latency = new LatencyWindow(0.95);
  private readonly margin: number;
  private closed = false;
  /** Stops the breaker-state and outstanding-calls gauges of this ranker's endpoints. */
  private readonly unobserve: () => void;

  private constructor(
    readonly modelId: string,
    private readonly pool: EndpointPool,
    private readonly names: InferTensorNames,
    options: RemoteRankerOptions,
  ) {
    this.featureCount = options.featureCount;
    this.margin = options.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS;
    this.batcher = new MicroBatcher({
      featureCount: options.featureCount,
      maxBatchRows: Math.min(options.maxBatchRows ?? DEFAULT_MAX_BATCH_ROWS, maxRowsPerMessage(options.featureCount)),
      maxBatchDelayUs: options.maxBatchDelayUs ?? DEFAULT_MAX_BATCH_DELAY_US,
      send: (features, rows, deadline) => this.send(features, rows, deadline),
    });
    this.unobserve = observeEndpoints(() => this.pool.endpoints);
  }

  /**
   * Waits (up to connectTimeoutMs) until an endpoint reports ServerReady and ModelReady, reads
   * ModelMetadata, checks the input tensor against featureCount and starts periodic readiness
   * checks. Rejects when no endpoint becomes ready or the model does not fit.
   */
  static async connect(options: RemoteRankerOptions): Promise<RemoteRanker> {
    const poolOptions: EndpointPoolOptions = {
      addresses: options.endpoints,
      modelName: options.modelName,
      modelVersion: options.modelVersion,
      breakerFailures: options.breakerFailures,
      breakerOpenMs: options.breakerOpenMs,
      readinessIntervalMs: options.readinessIntervalMs,
      hedging: options.hedging,
      client: options.client,
    };
    const pool = new EndpointPool(poolOptions);
    try {
      const deadline = Deadline.after(options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);
      while ((await pool.checkReadiness(Math.min(deadline.remainingMs(), 1_000))) === 0) {
        if (deadline.remainingMs() < CONNECT_RETRY_MS) {
          throw new RankerError('BACKEND_UNAVAILABLE', `no inference endpoint became ready for ${options.modelName} (${options.endpoints.join(', ')})`);
        }
        await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS).unref());
      }
      const client = pool.readyClient()!;
      const metadata = await client.modelMetadata(options.modelName, options.modelVersion ?? '', Deadline.after(Math.max(1_000, deadline.remainingMs())));
      const inputName = options.inputName ?? 'features';
      const input = metadata.inputs.find((t) => t.name === inputName);
      if (!input) throw new Error(`model ${options.modelName} has no input ${inputName} (has ${metadata.inputs.map((t) => t.name).join(', ')})`);
      const cols = input.shape[input.shape.length - 1];
      if (cols !== undefined && cols !== -1 && cols !== options.featureCount) {
        throw new Error(`model ${options.modelName} takes ${cols} features, the gateway builds ${options.featureCount}`);
      }
      const version = options.modelVersion || metadata.versions[0] || '';
      const names: InferTensorNames = { modelName: options.modelName, modelVersion: options.modelVersion, inputName, outputName: options.outputName ?? 'scores' };
      pool.startReadinessChecks();
      return new RemoteRanker(version ? `${options.modelName}@${version}` : options.modelName, pool, names, options);
    } catch (error) {
      pool.close();
      throw error;
    }
  }

  async score(features: Float32Array, rows: number, deadline: Deadline): Promise<Float32Array> {
    if (this.closed) throw new RankerError('BACKEND_UNAVAILABLE', 'ranker is closed');
    if (features.length !== rows * this.featureCount) {
      throw new Error(`features hold ${features.length} values, expected ${rows} x ${this.featureCount}`);
    }
    if (rows === 0) return new Float32Array(0);
    const startedMs = performance.now();
    const scores = await this.batcher.submit(features, rows, deadline.minus(this.margin));
    this.latency.record(performance.now() - startedMs);
    return scores;
  }

  /**
   * p95 of successful score() calls (batching wait included) over the last LATENCY_WINDOW_SAMPLES,
   * in milliseconds; 0 until LATENCY_MIN_SAMPLES calls have succeeded. Cheap: call it per request.
   */
  observedP95Ms(): number {
    return this.latency.percentileMs() ?? 0;
  }

  /** The pool's endpoints now (readiness, outstanding calls, breaker state). */
  endpoints(): EndpointSnapshot[] {
    return this.pool.endpoints;
  }

  /** ModelInfer calls sent so far (one per merged batch). */
  get batchesSent(): number {
    return this.batcher.batchesSent;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unobserve();
    this.batcher.close();
    this.pool.close();
  }

  private async send(features: Float32Array, rows: number, deadline: Deadline): Promise<Float32Array> {
    const response = await this.pool.call(deadline, (client, callDeadline, signal) => {
      const request = encodeInferRequest(this.names, features, rows, this.featureCount, callDeadline.remainingMs() * 1000);
      return client.infer(request, callDeadline, signal);
    });
    try {
      return decodeScores(response, this.names.outputName, rows);
    } catch (error) {
      throw new RankerError('BACKEND_UNAVAILABLE', `bad ModelInfer answer: ${(error as Error).message}`);
    }
  }
}

/** Room left in a message for everything but the FP32 rows (names, shapes, parameters). */
const MESSAGE_OVERHEAD_BYTES = 64 * 1024;

/** The most rows of `featureCount` FP32 features one ModelInfer message can carry. */
export function maxRowsPerMessage(featureCount: number): number {
  return Math.max(1, Math.floor((MAX_MESSAGE_BYTES - MESSAGE_OVERHEAD_BYTES) / (featureCount * 4)));
}
