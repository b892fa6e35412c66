import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assembleDataset, type Dataset, type ItemMetadata } from './dataset.ts';

/**
 * Loads a MovieLens folder in the "latest" CSV format (ratings.csv, movies.csv) as a Dataset.
 * For evaluation, tests and benchmarks only: the product never needs MovieLens at run time.
 *
 * - Items: every movie of movies.csv, rated or not, in ascending movieId order; id = movieId.
 * - Users: every userId of ratings.csv, in ascending numeric order; id = userId.
 * - Titles: "Heat (1995)" -> title "Heat", year 1995; a range "(2006–2007)" gives its first
 *   year; no trailing year (e.g. "Babylon 5") -> year null. Surrounding spaces are trimmed.
 * - Genres: split on "|"; "(no genres listed)" -> no genres. The genre list is sorted by name.
 * - Ratings keep their 0.5..5 value; timestamps (seconds) become epoch milliseconds.
 */

export interface LoadMovieLensOptions {
  /** Called with the fraction done (0..1). */
  readonly onProgress?: (fraction: number) => void;
}

/** A malformed or missing MovieLens file; `file` and `line` (1-based) say where. */
export class MovieLensFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    detail: string,
  ) {
    super(line === null ? `${file}: ${detail}` : `${file}:${line}: ${detail}`);
    this.name = 'MovieLensFormatError';
  }
}

const NO_GENRES = '(no genres listed)';

export async function loadMovieLens(folder: string | URL, options: LoadMovieLensOptions = {}): Promise<Dataset> {
  const dir = typeof folder === 'string' ? folder : fileURLToPath(folder);
  const progress = options.onProgress ?? (() => {});
  const moviesPath = join(dir, 'movies.csv');
  const ratingsPath = join(dir, 'ratings.csv');
  const [moviesText, ratingsText] = await Promise.all([readText(moviesPath), readText(ratingsPath)]);
  progress(0.2);

  const movies = parseMovies(moviesText, moviesPath);
  progress(0.35);
  const itemOf = new Map<number, number>();
  movies.forEach((m, i) => itemOf.set(m.movieId, i));

  const ratings = parseRatings(ratingsText, ratingsPath, itemOf, (f) => progress(0.35 + 0.45 * f));
  // Users in ascending numeric userId order.
  const distinctUsers = Array.from(new Set(ratings.userIds)).sort((a, b) => a - b);
  const userOf = new Map<number, number>();
  distinctUsers.forEach((id, u) => userOf.set(id, u));
  const userIndex = new Uint32Array(ratings.count);
  for (let k = 0; k < ratings.count; k++) userIndex[k] = userOf.get(ratings.userIds[k]!)!;

  const genreSet = new Set<string>();
  for (const m of movies) for (const g of m.item.genres) genreSet.add(g);
  const genres = Array.from(genreSet).sort();

  const dataset = assembleDataset({
    // The folder name only: descriptions end up in manifests and reports shared beyond this machine.
    source: { kind: 'movielens', description: `MovieLens ${basename(dir)}` },
    genres,
    items: movies.map((m) => m.item),
    userIds: distinctUsers.map(String),
    interactions: { count: ratings.count, userIndex, itemIndex: ratings.itemIndex, rating: ratings.rating, timestamp: ratings.timestamp },
  });
  progress(1);
  return dataset;
}

/** Splits "Title (1995)" into title and year (see the module comment). */
export function parseMovieTitle(raw: string): { title: string; year: number | null } {
  const text = raw.trim();
  const match = /^(.*?)\s*\((\d{4})(?:\s*[-–]\s*(?:\d{4})?)?\)$/.exec(text);
  if (match && match[1]!.length > 0) return { title: match[1]!, year: Number(match[2]) };
  return { title: text, year: null };
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MovieLensFormatError(path, null, code === 'ENOENT' ? 'file not found' : `cannot read (${String(error)})`);
  }
}

interface Movie {
  readonly movieId: number;
  readonly item: ItemMetadata;
}

function parseMovies(text: string, path: string): Movie[] {
  const lines = splitLines(text);
  expectHeader(lines[0], 'movieId,title,genres', path);
  const movies: Movie[] = [];
  const seen = new Set<number>();
  for (let l = 1; l < lines.length; l++) {
    const line = lines[l]!;
    if (line.length === 0) continue;
    const fields = parseCsvLine(line, path, l + 1);
    if (fields.length !== 3) throw new MovieLensFormatError(path, l + 1, `expected 3 fields (movieId,title,genres), got ${fields.length}`);
    const movieId = parseId(fields[0]!, 'movieId', path, l + 1);
    if (seen.has(movieId)) throw new MovieLensFormatError(path, l + 1, `duplicate movieId ${movieId}`);
    seen.add(movieId);
    const { title, year } = parseMovieTitle(fields[1]!);
    const genreField = fields[2]!.trim();
    const genres = genreField === NO_GENRES || genreField === '' ? [] : Array.from(new Set(genreField.split('|').map((g) => g.trim())));
    movies.push({ movieId, item: { id: String(movieId), title, genres, year } });
  }
  movies.sort((a, b) => a.movieId - b.movieId);
  return movies;
}

interface Ratings {
  readonly count: number;
  readonly userIds: Uint32Array;
  readonly itemIndex: Uint32Array;
  readonly rating: Float32Array;
  readonly timestamp: Float64Array;
}

function parseRatings(text: string, path: string, itemOf: Map<number, number>, progress: (f: number) => void): Ratings {
  const lines = splitLines(text);
  expectHeader(lines[0], 'userId,movieId,rating,timestamp', path);
  const capacity = lines.length;
  const userIds = new Uint32Array(capacity);
  const itemIndex = new Uint32Array(capacity);
  const rating = new Float32Array(capacity);
  const timestamp = new Float64Array(capacity);
  let n = 0;
  for (let l = 1; l < lines.length; l++) {
    const line = lines[l]!;
    if (line.length === 0) continue;
    // Plain numeric fields: no quoting to handle, so split on commas directly.
    const c1 = line.indexOf(',');
    const c2 = c1 < 0 ? -1 : line.indexOf(',', c1 + 1);
    const c3 = c2 < 0 ? -1 : line.indexOf(',', c2 + 1);
    if (c3 < 0 || line.indexOf(',', c3 + 1) >= 0) throw new MovieLensFormatError(path, l + 1, 'expected 4 fields (userId,movieId,rating,timestamp)');
    const userId = parseId(line.slice(0, c1), 'userId', path, l + 1);
    const movieId = parseId(line.slice(c1 + 1, c2), 'movieId', path, l + 1);
    const value = Number(line.slice(c2 + 1, c3));
    const seconds = Number(line.slice(c3 + 1));
    if (line.slice(c2 + 1, c3).trim() === '' || !Number.isFinite(value)) throw new MovieLensFormatError(path, l + 1, `bad rating "${line.slice(c2 + 1, c3)}"`);
    if (line.slice(c3 + 1).trim() === '' || !Number.isFinite(seconds)) throw new MovieLensFormatError(path, l + 1, `bad timestamp "${line.slice(c3 + 1)}"`);
    const item = itemOf.get(movieId);
    if (item === undefined) throw new MovieLensFormatError(path, l + 1, `movieId ${movieId} is not in movies.csv`);
    userIds[n] = userId;
    itemIndex[n] = item;
    rating[n] = value;
    timestamp[n] = seconds * 1000;
    n++;
    if ((l & 16383) === 0) progress(l / lines.length);
  }
  progress(1);
  return { count: n, userIds: userIds.slice(0, n), itemIndex: itemIndex.slice(0, n), rating: rating.slice(0, n), timestamp: timestamp.slice(0, n) };
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let l = 0; l < lines.length; l++) if (lines[l]!.endsWith('\r')) lines[l] = lines[l]!.slice(0, -1);
  if (text.charCodeAt(0) === 0xfeff) lines[0] = lines[0]!.slice(1);
  return lines;
}

function expectHeader(line: string | undefined, expected: string, path: string): void {
  if (line === undefined || line.trim() === '') throw new MovieLensFormatError(path, 1, `empty file, expected the header "${expected}"`);
  if (line.trim() !== expected) throw new MovieLensFormatError(path, 1, `expected the header "${expected}", got "${line.slice(0, 80)}"`);
}

function parseId(field: string, name: string, path: string, line: number): number {
  const text = field.trim();
  if (!/^\d{1,9}$/.test(text)) throw new MovieLensFormatError(path, line, `bad ${name} "${field.slice(0, 40)}"`);
  return Number(text);
}

/** One CSV record on one line (RFC 4180 quoting: "a, b" and "" for a quote). */
export function parseCsvLine(line: string, path = 'csv', lineNumber = 0): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new MovieLensFormatError(path, lineNumber, 'unterminated quoted field');
        value += line.slice(j, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line.charCodeAt(i) !== 44 /* , */) throw new MovieLensFormatError(path, lineNumber, 'text after a closing quote');
      i++;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}
