import DataLoader from 'dataloader';
import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { resolvers } from '../../src/gateway/resolvers.ts';
import type { RankedItem } from '../../src/pipeline/ranking-result.ts';
import type { CatalogItem } from '../../src/ports/catalog.ts';

const catalog = new Map<string, CatalogItem>([['7', { id: '7', title: 'Seven', genres: ['Drama', 'Crime'], popularity: 0.5, year: 1995 }]]);
const context = () => ({ loaders: { item: new DataLoader(async (ids: readonly string[]) => ids.map((id) => catalog.get(id) ?? null)) } });
const entry = (itemId: string): RankedItem => ({ position: 1, score: 0.9, itemId, source: 'ANN', similarity: 0.42, modelScored: true });

type Resolve = (parent: RankedItem, args: object, ctx: ReturnType<typeof context>) => Promise<unknown>;
const item = resolvers.Recommendation!.item as unknown as Resolve;
const explanation = resolvers.Recommendation!.explanation as unknown as Resolve;

describe('Recommendation resolvers', () => {
  it('resolve the ranked item and explain it from its genres', async () => {
    expect(await item(entry('7'), {}, context())).toEqual(catalog.get('7'));
    expect(await explanation(entry('7'), {}, context())).toBe('Matches your taste (Drama, Crime), similarity 0.42; ranked by the model');
  });

  it('refuse, with a coded error, an item the ranking names and the catalog lacks; explain it without genres', async () => {
    const error = (await item(entry('404'), {}, context()).catch((e: unknown) => e)) as GraphQLError;
    expect(error.extensions.code).toBe('ITEM_NOT_FOUND');
    expect(error.message).toMatch(/item 404 is ranked but missing from the catalog/);
    expect(await explanation(entry('404'), {}, context())).toBe('Matches your taste, similarity 0.42; ranked by the model');
  });
});
