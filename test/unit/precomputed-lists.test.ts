import { describe, expect, it } from 'vitest';
import { PrecomputedLists } from '../../src/offline/precomputed-lists.ts';

const ITEMS = ['i1', 'i2', 'i3', 'i4'];
const LISTS: [string, { itemId: string; score: number }[]][] = [
  ['u1', [{ itemId: 'i3', score: 0.9 }, { itemId: 'i1', score: 0.5 }, { itemId: 'i4', score: 0.25 }]],
  ['u2', [{ itemId: 'i2', score: 0.75 }]],
  ['u3', []],
];
/** What `get` answers: each entry with its row in ITEMS, the feature read's hint. */
const withRows = (list: readonly { itemId: string; score: number }[]) => list.map((e) => ({ ...e, row: ITEMS.indexOf(e.itemId) }));
const LISTS_WITH_ROWS = LISTS.map(([user, list]) => [user, withRows(list)] as const);

describe('PrecomputedLists (typed-array storage behind the Map interface)', () => {
  it('gives back every list in its order, scores exact, each entry with its catalog row, through get, entries and iteration', () => {
    const lists = new PrecomputedLists(LISTS, ITEMS);
    expect(lists.size).toBe(3);
    expect(lists.get('u1')).toEqual([
      { itemId: 'i3', score: 0.9, row: 2 },
      { itemId: 'i1', score: 0.5, row: 0 },
      { itemId: 'i4', score: 0.25, row: 3 },
    ]);
    expect(lists.get('u2')).toEqual([{ itemId: 'i2', score: 0.75, row: 1 }]);
    expect(lists.get('u3')).toEqual([]);
    expect(lists.get('nobody')).toBeUndefined();
    expect(lists.has('u2') && !lists.has('nobody')).toBe(true);
    expect([...lists.keys()]).toEqual(['u1', 'u2', 'u3']);
    expect([...lists]).toEqual(LISTS_WITH_ROWS);
    expect(new Map(lists.entries())).toEqual(new Map(LISTS_WITH_ROWS));
    const seen: string[] = [];
    lists.forEach((list, user) => seen.push(`${user}:${list.length}`));
    expect(seen).toEqual(['u1:3', 'u2:1', 'u3:0']);
  });

  it('hands each caller a list of its own (a caller may not change what the next one gets)', () => {
    const lists = new PrecomputedLists(LISTS, ITEMS);
    const first = lists.get('u1') as { itemId: string; score: number }[];
    first.splice(0, 1);
    expect(lists.get('u1')).toHaveLength(3);
  });

  it('drops entries that name an item outside the catalog', () => {
    const lists = new PrecomputedLists([['u1', [{ itemId: 'gone', score: 1 }, { itemId: 'i2', score: 0.5 }]]], ITEMS);
    expect(lists.get('u1')).toEqual([{ itemId: 'i2', score: 0.5, row: 1 }]);
  });
});
