import { getOperationAST, Kind } from 'graphql';
import type { PipelineServices } from '../../pipeline/services.ts';
import type { Viewer } from '../identity.ts';
import type { PersistedDocuments } from '../persisted-documents.ts';
import { requestContext } from '../request-context.ts';
import type { CompiledDocument } from './compiled-documents.ts';
import type { DeferredDocument } from './deferred-documents.ts';
import { runDeferred } from './deferred-stream.ts';

/** What the warm-up ran, for the start log. */
export interface WarmUpSummary {
  readonly documents: number;
  readonly runs: number;
  readonly ms: number;
}

/** Viewers of the warm-up: a few user ids every catalog has (synthetic and MovieLens both start at 1), and anonymous. */
const WARM_UP_VIEWERS: readonly Viewer[] = [
  ...['1', '2', '3', '4', '5', '6', '7', '8'].map((id) => ({ id, userId: id, sessionId: null, anonymous: false, key: `u:${id}` })),
  { id: '', userId: null, sessionId: null, anonymous: true, key: null },
];

/**
 * Runs each persisted query the edge runs itself (compiled, or split at its @defer) `rounds`
 * times over a few viewers before the gateway listens, so the first requests do not pay for
 * cold code: after start the first HomeFeed took ~33 ms and the next dozens 5-8 ms, against
 * 1.5-3.5 ms once warm. Only documents whose variables all have defaults or may be null run
 * (ItemDetail needs an id: it stays cold). Reads only: the response cache is not involved and
 * nothing is written; failures are ignored (the first real requests find the same fault).
 */
export async function warmUp(
  persisted: PersistedDocuments,
  compiled: ReadonlyMap<string, CompiledDocument>,
  deferred: ReadonlyMap<string, DeferredDocument>,
  services: PipelineServices,
  rounds: number,
): Promise<WarmUpSummary> {
  const startedAt = performance.now();
  const runnable = [...persisted.all()].filter((doc) => (compiled.has(doc.id) || deferred.has(doc.id)) && runsWithoutVariables(doc.document, doc.operationName));
  let runs = 0;
  for (let round = 0; round < rounds; round++) {
    for (const doc of runnable) {
      const viewer = WARM_UP_VIEWERS[(round + runs) % WARM_UP_VIEWERS.length]!;
      const context = requestContext(viewer, services);
      const split = deferred.get(doc.id);
      await (split ? runDeferred(split, context, {}) : compiled.get(doc.id)!.execute(context, {})).catch(() => null);
      runs++;
    }
  }
  return { documents: runnable.length, runs, ms: performance.now() - startedAt };
}

/** Whether every variable of the operation has a default or a nullable type. */
function runsWithoutVariables(document: Parameters<typeof getOperationAST>[0], operationName: string): boolean {
  const operation = getOperationAST(document, operationName);
  return (operation?.variableDefinitions ?? []).every((v) => v.defaultValue !== undefined || v.type.kind !== Kind.NON_NULL_TYPE);
}
