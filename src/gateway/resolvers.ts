import { gatewayError } from '../errors.ts';
import { explain } from '../pipeline/explanation.ts';
import { FeedPlan } from '../pipeline/feed-plan.ts';
import type { RankedItem } from '../pipeline/ranking-result.ts';
import { recordSessionEvent } from '../pipeline/record-event.ts';
import { candidatesInSpan, observeCoarse, observeRefined } from '../telemetry/feed-telemetry.ts';
import type { Resolvers } from './generated/resolvers-types.ts';

/** Page sizes clients may ask for. */
export const FIRST_MIN = 1;
export const FIRST_MAX = 100;

function checkFirst(first: number): number {
  if (!Number.isInteger(first) || first < FIRST_MIN || first > FIRST_MAX) {
    throw gatewayError('BAD_USER_INPUT', `first must be from ${FIRST_MIN} to ${FIRST_MAX}, got ${first}`, { argument: 'first' });
  }
  return first;
}

function missingFromCatalog(itemId: string): never {
  throw gatewayError('ITEM_NOT_FOUND', `item ${itemId} is ranked but missing from the catalog`);
}

/**
 * The resolver map. Resolvers stay thin: they check arguments and hand over to the pipeline.
 * `feed` only creates a plan; `coarse`, `refined`, `item` and `explanation` each compute only
 * when selected.
 */
export const resolvers: Resolvers = {
  Query: {
    feed: (_root, { surface, first }, { viewer, services, loaders, feedPlans }) => {
      const key = `${surface}:${first}`;
      const shared = feedPlans?.get(key);
      if (shared) return shared;
      const plan = new FeedPlan(viewer, surface, checkFirst(first), services, loaders);
      feedPlans?.set(key, plan);
      return plan;
    },
    item: async (_root, { id }, { loaders }) => {
      const item = await loaders.item.load(id);
      if (!item) throw gatewayError('ITEM_NOT_FOUND', `no item has id ${JSON.stringify(id)}`, { itemId: id });
      return item;
    },
    trending: async (_root, { first }, { services }) => {
      const top = await services.trending.top(checkFirst(first));
      return top.map((entry, i): RankedItem => ({
        position: i + 1,
        score: entry.score,
        itemId: entry.itemId,
        source: 'TRENDING',
        similarity: null,
        modelScored: false,
      }));
    },
  },
  Mutation: {
    recordEvent: async (_root, { input }, { viewer, services, loaders }) => {
      const { eventId } = await recordSessionEvent(viewer, input, services, loaders);
      return { accepted: true, eventId };
    },
  },
  Feed: {
    viewer: (plan) => plan.viewer,
    surface: (plan) => plan.surface,
    // The refined stage's candidate generation runs in its own span; degraded answers are counted.
    // The coarse page does not wait for it (a quick search of its own when retrieval searches).
    coarse: (plan) => plan.coarse().then(observeCoarse),
    refined: (plan) => candidatesInSpan(plan).then(() => plan.refined()).then(observeRefined),
  },
  // Plain promise chains, not async functions: these run for every item of every page, and an
  // async function's own promise and suspended frame were ~0.2 KB more garbage per item (sampling heap profile).
  Recommendation: {
    item: (entry, _args, { loaders }) => loaders.item.load(entry.itemId).then((item) => item ?? missingFromCatalog(entry.itemId)),
    explanation: (entry, _args, { loaders }) => loaders.item.load(entry.itemId).then((item) => explain(entry, item)),
  },
  Item: {
    // The list as read: every catalog read builds a fresh one, and execution only reads it (a copy
    // per item per payload was ~7 KB of each HomeFeed payload's garbage).
    genres: (item) => item.genres as string[],
  },
};
