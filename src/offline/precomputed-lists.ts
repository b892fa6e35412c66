import type { ScoredItemId } from '../ports/feature-store.ts';

/**
 * The precomputed candidate lists (user id -> best items first), stored as two typed arrays
 * instead of one object and one string per entry: 2,000 lists of 500 were two million heap
 * objects that every full garbage collection had to mark (about 55 ms of a 95 ms collection
 * on one core, measured; in the gateway a stall of hundreds of milliseconds under load).
 * `get` builds the list a caller asked for; the objects it makes die young.
 */
export class PrecomputedLists implements ReadonlyMap<string, readonly ScoredItemId[]> {
  private readonly ranges = new Map<string, { readonly start: number; readonly end: number }>();
  private readonly rows: Int32Array;
  private readonly scores: Float64Array;

  /** `itemIds[row]` names the item of a row; entries naming an item not in it are dropped. */
  constructor(lists: Iterable<readonly [string, readonly ScoredItemId[]]>, private readonly itemIds: readonly string[]) {
    const rowOf = new Map(itemIds.map((id, row) => [id, row]));
    const entries = [...lists];
    const total = entries.reduce((sum, [, list]) => sum + list.length, 0);
    this.rows = new Int32Array(total);
    this.scores = new Float64Array(total);
    let at = 0;
    for (const [userId, list] of entries) {
      const start = at;
      for (const entry of list) {
        const row = rowOf.get(entry.itemId);
        if (row === undefined) continue;
        this.rows[at] = row;
        this.scores[at] = entry.score;
        at++;
      }
      this.ranges.set(userId, { start, end: at });
    }
  }

  get size(): number {
    return this.ranges.size;
  }

  has(userId: string): boolean {
    return this.ranges.has(userId);
  }

  get(userId: string): readonly ScoredItemId[] | undefined {
    const range = this.ranges.get(userId);
    return range ? this.slice(range.start, range.end) : undefined;
  }

  keys(): MapIterator<string> {
    return this.ranges.keys();
  }

  *entries(): MapIterator<[string, readonly ScoredItemId[]]> {
    for (const [userId, range] of this.ranges) yield [userId, this.slice(range.start, range.end)];
  }

  *values(): MapIterator<readonly ScoredItemId[]> {
    for (const range of this.ranges.values()) yield this.slice(range.start, range.end);
  }

  [Symbol.iterator](): MapIterator<[string, readonly ScoredItemId[]]> {
    return this.entries();
  }

  forEach(callback: (value: readonly ScoredItemId[], key: string, map: ReadonlyMap<string, readonly ScoredItemId[]>) => void): void {
    for (const [userId, list] of this.entries()) callback(list, userId, this);
  }

  private slice(start: number, end: number): ScoredItemId[] {
    const list = new Array<ScoredItemId>(end - start);
    for (let i = start; i < end; i++) {
      const row = this.rows[i]!;
      // The row rides along as the feature read's hint (ScoredItemId.row): the catalog order is `itemIds`'.
      list[i - start] = { itemId: this.itemIds[row]!, score: this.scores[i]!, row };
    }
    return list;
  }
}
