import type { CatalogItem } from '../../ports/catalog.ts';

/**
 * The catalog's item metadata in columns: ids, one string of all titles with end offsets,
 * genre indexes per item, popularity and year in typed arrays. 100,000 items as objects were
 * half a million heap objects (item, genres array and its elements, title, a boxed number)
 * that every full collection marks; here they are the id strings and a few arrays. Items are
 * built on read (a feed reads tens of them).
 */
export class CompactItems {
  readonly ids: readonly string[];
  private readonly rows = new Map<string, number>();
  private readonly titles: string;
  private readonly titleEnds: Uint32Array;
  private readonly genreNames: readonly string[];
  private readonly genreEnds: Uint32Array;
  private readonly genreIndexes: Uint16Array;
  readonly popularity: Float64Array;
  /** NaN for an unknown year. */
  private readonly years: Float64Array;

  constructor(items: readonly CatalogItem[]) {
    const n = items.length;
    this.ids = items.map((item) => item.id);
    this.ids.forEach((id, row) => this.rows.set(id, row));
    this.titles = items.map((item) => item.title).join('');
    this.titleEnds = new Uint32Array(n);
    this.genreEnds = new Uint32Array(n);
    this.popularity = new Float64Array(n);
    this.years = new Float64Array(n);
    const names = new Map<string, number>();
    const indexes: number[] = [];
    let titleEnd = 0;
    items.forEach((item, row) => {
      titleEnd += item.title.length;
      this.titleEnds[row] = titleEnd;
      for (const genre of item.genres) {
        let index = names.get(genre);
        if (index === undefined) names.set(genre, (index = names.size));
        indexes.push(index);
      }
      this.genreEnds[row] = indexes.length;
      this.popularity[row] = item.popularity;
      this.years[row] = item.year ?? NaN;
    });
    this.genreNames = [...names.keys()];
    this.genreIndexes = Uint16Array.from(indexes);
  }

  get size(): number {
    return this.ids.length;
  }

  /** The row of an item id, or undefined for an unknown id. */
  rowOf(id: string): number | undefined {
    return this.rows.get(id);
  }

  year(row: number): number | null {
    const year = this.years[row]!;
    return Number.isNaN(year) ? null : year;
  }

  /** The year as stored: NaN when unknown. */
  yearOrNaN(row: number): number {
    return this.years[row]!;
  }

  genres(row: number): string[] {
    const start = row === 0 ? 0 : this.genreEnds[row - 1]!;
    const genres: string[] = [];
    for (let i = start; i < this.genreEnds[row]!; i++) genres.push(this.genreNames[this.genreIndexes[i]!]!);
    return genres;
  }

  item(row: number): CatalogItem {
    return {
      id: this.ids[row]!,
      title: this.titles.slice(row === 0 ? 0 : this.titleEnds[row - 1]!, this.titleEnds[row]!),
      genres: this.genres(row),
      popularity: this.popularity[row]!,
      year: this.year(row),
    };
  }
}
