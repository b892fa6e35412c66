import type { RequestLoaders } from '../pipeline/loaders.ts';
import type { PipelineServices } from '../pipeline/services.ts';
import type { Viewer } from './identity.ts';

/** What every resolver gets: who asks, this request's loaders, and the shared services. */
export interface RequestContext {
  readonly viewer: Viewer;
  readonly loaders: RequestLoaders;
  readonly services: PipelineServices;
}
