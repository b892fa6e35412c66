import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadArtifacts } from '../offline/artifacts.ts';
import {
  DEFAULT_MAX_BATCH_ROWS,
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_QUEUE_DELAY_US,
  DEFAULT_MAX_QUEUE_REQUESTS,
  MODEL_CONFIG_FILE,
  MODEL_FILE,
  ONNX_PLATFORM,
  type DynamicBatchingConfig,
  type ModelConfig,
} from './model-repository.ts';

export interface ExportModelRepositoryOptions {
  /** An artifacts folder (src/offline/artifacts.ts) with its rankers. */
  readonly artifactsDir: string;
  /** The repository folder; model folders of the same name are replaced, others left alone. */
  readonly outDir: string;
  /** Version folder name (default "1"). */
  readonly version?: string;
  readonly dynamicBatching?: Partial<DynamicBatchingConfig>;
  readonly maxBatchSize?: number;
}

export interface ExportedModel {
  readonly name: string;
  readonly version: string;
  readonly path: string;
}

/**
 * Writes a model repository from an artifacts folder: every ranker becomes one model,
 * FP32 ones under their own name (`ranker-light`, `ranker-heavy`), INT8 ones with an
 * `-int8` suffix (`ranker-light-int8`, `ranker-heavy-int8`). Precision is a separate model,
 * not a version, because versions are for retrains of the same model (as in Triton).
 */
export async function exportModelRepository(options: ExportModelRepositoryOptions): Promise<ExportedModel[]> {
  const artifacts = await loadArtifacts(options.artifactsDir);
  const version = options.version ?? '1';
  const exported: ExportedModel[] = [];
  for (const entry of artifacts.manifest.rankers) {
    const name = entry.precision === 'int8' ? `${entry.name}-int8` : entry.name;
    const modelDir = join(options.outDir, name);
    await rm(modelDir, { recursive: true, force: true });
    await mkdir(join(modelDir, version), { recursive: true });
    const path = join(modelDir, version, MODEL_FILE);
    await copyFile(join(artifacts.dir, entry.file), path);
    const config: ModelConfig = {
      name,
      platform: ONNX_PLATFORM,
      max_batch_size: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
      inputs: [{ name: entry.inputName, datatype: 'FP32', dims: [-1, entry.featureCount] }],
      outputs: [{ name: entry.outputName, datatype: 'FP32', dims: [-1, 1] }],
      dynamic_batching: {
        max_batch_rows: options.dynamicBatching?.max_batch_rows ?? DEFAULT_MAX_BATCH_ROWS,
        max_queue_delay_us: options.dynamicBatching?.max_queue_delay_us ?? DEFAULT_MAX_QUEUE_DELAY_US,
        max_queue_requests: options.dynamicBatching?.max_queue_requests ?? DEFAULT_MAX_QUEUE_REQUESTS,
      },
      version_policy: { latest: { num_versions: 1 } },
    };
    // The config goes last: a model folder with a config is complete.
    await writeFile(join(modelDir, MODEL_CONFIG_FILE), JSON.stringify(config, null, 2));
    exported.push({ name, version, path });
  }
  return exported;
}
