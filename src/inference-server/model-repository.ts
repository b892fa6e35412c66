import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The model repository: one folder per model, Triton-style.
 *
 *   <repo>/<name>/config.json          this file's ModelConfig
 *   <repo>/<name>/<version>/model.onnx one folder per version (decimal names)
 *
 * Only FP32 tensors; the first dimension of every input and output is the batch (-1).
 */
export const MODEL_CONFIG_FILE = 'config.json';
export const MODEL_FILE = 'model.onnx';
export const ONNX_PLATFORM = 'onnxruntime_onnx';

/** Defaults for a config.json that leaves dynamic batching (or its fields) out. */
export const DEFAULT_MAX_BATCH_ROWS = 2048;
export const DEFAULT_MAX_QUEUE_DELAY_US = 500;
export const DEFAULT_MAX_QUEUE_REQUESTS = 256;
export const DEFAULT_MAX_BATCH_SIZE = 8192;

export interface TensorConfig {
  readonly name: string;
  /** Only "FP32" is served. */
  readonly datatype: 'FP32';
  /** Full shape with -1 for the batch dimension, e.g. [-1, 199]. */
  readonly dims: readonly number[];
}

export interface DynamicBatchingConfig {
  /** A merged run holds at most this many rows (a single larger request runs alone). */
  readonly max_batch_rows: number;
  /** The oldest queued request waits at most this long for others to join it. */
  readonly max_queue_delay_us: number;
  /** Requests waiting beyond this are refused with RESOURCE_EXHAUSTED. */
  readonly max_queue_requests: number;
}

export type VersionPolicy =
  | { readonly latest: { readonly num_versions: number } }
  | { readonly all: Record<string, never> }
  | { readonly specific: { readonly versions: readonly string[] } };

/** `<repo>/<name>/config.json` */
export interface ModelConfig {
  readonly name: string;
  readonly platform: typeof ONNX_PLATFORM;
  /** Largest row count one request may carry (INVALID_ARGUMENT beyond). */
  readonly max_batch_size: number;
  readonly inputs: readonly TensorConfig[];
  readonly outputs: readonly TensorConfig[];
  readonly dynamic_batching: DynamicBatchingConfig;
  /** Which version folders are served; default the latest one. */
  readonly version_policy: VersionPolicy;
}

export interface RepositoryModelVersion {
  readonly version: string;
  readonly path: string;
}

export interface RepositoryModel {
  readonly config: ModelConfig;
  /** Served versions, newest first. */
  readonly versions: readonly RepositoryModelVersion[];
}

/**
 * Reads every model folder under `repo` (at server start). Throws with the folder named
 * when a config is missing or invalid, or a model has no servable version.
 */
export async function readModelRepository(repo: string): Promise<Map<string, RepositoryModel>> {
  if (!existsSync(repo)) throw new Error(`model repository ${repo} does not exist`);
  const models = new Map<string, RepositoryModel>();
  const entries = await readdir(repo, { withFileTypes: true });
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = join(repo, entry.name);
    const configPath = join(dir, MODEL_CONFIG_FILE);
    if (!existsSync(configPath)) throw new Error(`model folder ${dir} has no ${MODEL_CONFIG_FILE}`);
    const config = normalizeConfig(JSON.parse(await readFile(configPath, 'utf8')) as Partial<ModelConfig>, entry.name, configPath);
    const found = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && /^\d+$/.test(e.name) && existsSync(join(dir, e.name, MODEL_FILE)))
      .map((e) => e.name)
      .sort((a, b) => Number(b) - Number(a));
    const versions = applyVersionPolicy(found, config.version_policy).map((version) => ({ version, path: join(dir, version, MODEL_FILE) }));
    if (versions.length === 0) throw new Error(`model ${config.name} in ${dir} has no servable version (found: ${found.join(', ') || 'none'})`);
    models.set(config.name, { config, versions });
  }
  if (models.size === 0) throw new Error(`model repository ${repo} holds no models`);
  return models;
}

/** The versions a policy serves, newest first; `found` is newest first. */
export function applyVersionPolicy(found: readonly string[], policy: VersionPolicy): string[] {
  if ('all' in policy) return [...found];
  if ('specific' in policy) return found.filter((v) => policy.specific.versions.includes(v));
  return found.slice(0, Math.max(1, policy.latest.num_versions));
}

function normalizeConfig(raw: Partial<ModelConfig>, folder: string, path: string): ModelConfig {
  const fail = (why: string): never => {
    throw new Error(`${path}: ${why}`);
  };
  const name = raw.name ?? folder;
  if (name !== folder) fail(`name "${name}" does not match its folder "${folder}"`);
  const tensors = (list: readonly TensorConfig[] | undefined, kind: string): TensorConfig[] => {
    if (!list || list.length !== 1) fail(`expected exactly one ${kind} tensor`);
    return list!.map((t) => {
      if (t.datatype !== 'FP32') fail(`${kind} ${t.name}: only FP32 is served, not ${t.datatype}`);
      if (t.dims.length !== 2 || t.dims[0] !== -1 || !(t.dims[1]! > 0)) fail(`${kind} ${t.name}: dims must be [-1, n>0], got [${t.dims.join(', ')}]`);
      return { name: t.name, datatype: 'FP32', dims: [...t.dims] };
    });
  };
  const batching = raw.dynamic_batching;
  return {
    name,
    platform: ONNX_PLATFORM,
    max_batch_size: raw.max_batch_size ?? DEFAULT_MAX_BATCH_SIZE,
    inputs: tensors(raw.inputs, 'input'),
    outputs: tensors(raw.outputs, 'output'),
    dynamic_batching: {
      max_batch_rows: batching?.max_batch_rows ?? DEFAULT_MAX_BATCH_ROWS,
      max_queue_delay_us: batching?.max_queue_delay_us ?? DEFAULT_MAX_QUEUE_DELAY_US,
      max_queue_requests: batching?.max_queue_requests ?? DEFAULT_MAX_QUEUE_REQUESTS,
    },
    version_policy: raw.version_policy ?? { latest: { num_versions: 1 } },
  };
}
