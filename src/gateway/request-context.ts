import type { FeedPlan } from '../pipeline/feed-plan.ts';
import { createLoaders, type RequestLoaders } from '../pipeline/loaders.ts';
import type { PipelineServices } from '../pipeline/services.ts';
import type { Viewer } from './identity.ts';

/** What every resolver gets: who asks, this request's loaders, and the shared services. */
export interface RequestContext {
  readonly viewer: Viewer;
  readonly loaders: RequestLoaders;
  readonly services: PipelineServices;
  /**
   * Set when one request runs as several documents (the edge runs a deferred fragment as a
   * document of its own, beside the initial one): `feed` with the same arguments returns the
   * same plan, so its candidates are generated once.
   */
  readonly feedPlans?: Map<string, FeedPlan>;
}

/** A new request's context for a viewer already verified: fresh loaders, the shared services. */
export function requestContext(viewer: Viewer, services: PipelineServices): RequestContext {
  return { viewer, loaders: createLoaders(services), services };
}
