import type { Config } from '../config.ts';
import { FEATURE_LAYOUT_VERSION } from '../pipeline/feature-layout.ts';
import { modelPath, type Artifacts } from '../offline/artifacts.ts';
import type { PipelineServices } from '../pipeline/services.ts';
import type { ObservedRanker, Ranker } from '../ports/ranker.ts';
import { createCandidateIndex } from './ann/choose-index.ts';
import { CompactItems } from './memory/compact-items.ts';
import { MemoryCatalog } from './memory/memory-catalog.ts';
import { MemoryEventLog } from './memory/memory-event-log.ts';
import { MemoryFeatureStore } from './memory/memory-feature-store.ts';
import { MemorySessionStore } from './memory/memory-session-store.ts';
import { MemoryTrending } from './memory/memory-trending.ts';
import { OnnxRanker } from './onnx/onnx-ranker.ts';

/** The in-process ranker over the artifacts' `ranker-light` model in the configured precision. */
export function startLocalRanker(
  artifacts: Artifacts,
  config: Pick<Config, 'rankerThreads' | 'rankerQueueLimit' | 'rankerPrecision'> & Partial<Pick<Config, 'rankerNice'>>,
): Promise<OnnxRanker> {
  const { entry, path } = modelPath(artifacts, 'ranker-light', config.rankerPrecision);
  if (entry.featureLayoutVersion !== FEATURE_LAYOUT_VERSION) {
    throw new Error(`${entry.file} expects feature layout ${entry.featureLayoutVersion}, this gateway builds ${FEATURE_LAYOUT_VERSION}: rebuild the artifacts`);
  }
  return OnnxRanker.start({
    modelPath: path,
    modelId: `${entry.name}@${entry.version}${entry.precision === 'int8' ? '-int8' : ''}`,
    inputName: entry.inputName,
    outputName: entry.outputName,
    featureCount: entry.featureCount,
    threads: config.rankerThreads,
    queueLimit: config.rankerQueueLimit,
    niceness: config.rankerNice ?? 0,
  });
}

/**
 * The embedded defaults: every port in memory over the artifacts folder, ranking in-process.
 * `ranker` replaces the ONNX ranker (tests pass a slowed or counting one); `remoteRanker`
 * is the heavy model on inference servers, when configured.
 */
export async function createEmbeddedServices(
  artifacts: Artifacts,
  config: Pick<Config, 'budgetsMs' | 'rankerThreads' | 'rankerQueueLimit' | 'rankerPrecision'> & Partial<Pick<Config, 'annSearchThreads'>>,
  ranker?: Ranker,
  remoteRanker: ObservedRanker | null = null,
): Promise<PipelineServices> {
  const { manifest } = artifacts;
  const items = new CompactItems(artifacts.items);
  return {
    featureStore: new MemoryFeatureStore(artifacts, items),
    catalog: new MemoryCatalog(items),
    candidateIndex: await createCandidateIndex(artifacts.itemVectors, items.ids, manifest.dimension, { dir: artifacts.dir, searchThreads: config.annSearchThreads ?? 0 }),
    ranker: ranker ?? (await startLocalRanker(artifacts, config)),
    remoteRanker,
    sessions: new MemorySessionStore(),
    events: new MemoryEventLog(),
    trending: new MemoryTrending(artifacts.trending),
    budgetsMs: config.budgetsMs,
  };
}
