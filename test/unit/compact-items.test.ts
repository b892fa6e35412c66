import { describe, expect, it } from 'vitest';
import { CompactItems } from '../../src/adapters/memory/compact-items.ts';
import type { CatalogItem } from '../../src/ports/catalog.ts';

const ITEMS: CatalogItem[] = [
  { id: 'm1', title: 'Amélie (2001)', genres: ['Comedy', 'Romance'], popularity: 1, year: 2001 },
  { id: 'm2', title: '', genres: [], popularity: 0, year: null },
  { id: 'm3', title: 'Spirited Away 千と千尋の神隠し 🐉', genres: ['Animation', 'Comedy'], popularity: 0.25, year: 2001 },
  { id: 'm4', title: 'Heat', genres: ['Crime'], popularity: 1e-9, year: 1995 },
];

describe('CompactItems', () => {
  it('gives back every item as it was given, whatever its title, genres or year', () => {
    const items = new CompactItems(ITEMS);
    expect(items.size).toBe(4);
    expect(items.ids).toEqual(['m1', 'm2', 'm3', 'm4']);
    for (const [row, item] of ITEMS.entries()) {
      expect(items.rowOf(item.id)).toBe(row);
      expect(items.item(row)).toEqual(item);
      expect(items.year(row)).toBe(item.year);
      expect(items.popularity[row]).toBe(item.popularity);
    }
    expect(items.rowOf('m5')).toBeUndefined();
  });

  it('hands out a fresh genres array each time (callers may not share one)', () => {
    const items = new CompactItems(ITEMS);
    const first = items.genres(0);
    first.push('Mutated');
    expect(items.genres(0)).toEqual(['Comedy', 'Romance']);
  });
});
