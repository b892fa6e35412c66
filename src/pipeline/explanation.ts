import type { CatalogItem } from '../ports/catalog.ts';
import type { RankedItem } from './ranking-result.ts';

/** Words for why an item is in a ranking. Runs only when `explanation` is selected. */
export function explain(entry: RankedItem, item: CatalogItem | null): string {
  const genres = item && item.genres.length > 0 ? ` (${item.genres.join(', ')})` : '';
  const similarity = entry.similarity === null ? '' : `, similarity ${entry.similarity.toFixed(2)}`;
  const ranked = entry.modelScored ? '; ranked by the model' : '';
  switch (entry.source) {
    case 'SESSION':
      return `Close to what you looked at in this session${genres}${similarity}${ranked}`;
    case 'PRECOMPUTED':
    case 'ANN':
      return `Matches your taste${genres}${similarity}${ranked}`;
    case 'TRENDING':
      return `Popular right now${genres}`;
  }
}
