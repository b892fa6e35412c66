import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { exportModelRepository } from '../../src/inference-server/export-model-repository.ts';
import { artifactsExist } from '../../src/offline/artifacts.ts';
import { buildSyntheticArtifacts } from '../../src/offline/build-synthetic-artifacts.ts';

/** Where the catalog of `items` items is cached (gitignored: `bench/.artifacts-*`). */
export function artifactsDirFor(items: number): string {
  return join('bench', `.artifacts-${items % 1000 === 0 ? `${items / 1000}k` : items}`);
}

/** The model repository exported from that catalog, for the inference server. */
export function modelsDirFor(items: number): string {
  return `${artifactsDirFor(items)}-models`;
}

/**
 * Builds the synthetic catalog once (about a minute for 100k items: progress goes to stderr) and
 * exports its models for the inference server; later runs reuse both.
 */
export async function ensureArtifacts(items: number, users: number, log: (line: string) => void): Promise<void> {
  const dir = artifactsDirFor(items);
  const models = modelsDirFor(items);
  if (!artifactsExist(dir)) {
    log(`building a ${items}-item synthetic catalog in ${dir} (once; later runs reuse it)...`);
    const started = performance.now();
    await buildSyntheticArtifacts({ dir, items, users });
    log(`catalog built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  if (!existsSync(join(models, 'ranker-heavy'))) {
    await exportModelRepository({ artifactsDir: dir, outDir: models });
  }
}
