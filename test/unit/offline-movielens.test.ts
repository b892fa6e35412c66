import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subsetUsers, type Dataset } from '../../src/offline/dataset.ts';
import { loadMovieLens, MovieLensFormatError, parseCsvLine, parseMovieTitle } from '../../src/offline/movielens.ts';
import { evaluateRankings, innerProductRankings, popularityRankings } from '../../src/offline/ranking-metrics.ts';
import { heldOutItemsOf, splitLeaveLastOut, trainItemsOf, type Split } from '../../src/offline/split.ts';
import { trainEmbeddings } from '../../src/offline/train-embeddings.ts';

// CI has shared/ beside the checkout: <checkout>/../shared/data/ml-latest-small.
const FOLDER = fileURLToPath(new URL('../../../shared/data/ml-latest-small', import.meta.url));
const present = existsSync(join(FOLDER, 'ratings.csv')) && existsSync(join(FOLDER, 'movies.csv'));
/** Byte equality of typed arrays (vitest's deep equality is slow on hundreds of thousands of entries). */
const sameBytes = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

if (!present) console.warn(`offline-movielens: skipping the MovieLens tests, ${FOLDER} is absent`);

describe('MovieLens title and CSV parsing', () => {
  it('splits the year off titles', () => {
    expect(parseMovieTitle('Heat (1995)')).toEqual({ title: 'Heat', year: 1995 });
    expect(parseMovieTitle('Justice League: Doom (2012) ')).toEqual({ title: 'Justice League: Doom', year: 2012 });
    expect(parseMovieTitle('Death Note: Desu nôto (2006–2007)')).toEqual({ title: 'Death Note: Desu nôto', year: 2006 });
    expect(parseMovieTitle('Babylon 5')).toEqual({ title: 'Babylon 5', year: null });
    expect(parseMovieTitle('Léon: The Professional (a.k.a. The Professional) (Léon) (1994)')).toEqual({
      title: 'Léon: The Professional (a.k.a. The Professional) (Léon)',
      year: 1994,
    });
    expect(parseMovieTitle('1984 (1984)')).toEqual({ title: '1984', year: 1984 });
    expect(parseMovieTitle('(1995)')).toEqual({ title: '(1995)', year: null });
  });

  it('reads quoted fields with commas and doubled quotes', () => {
    expect(parseCsvLine('11,"American President, The (1995)",Comedy|Drama')).toEqual(['11', 'American President, The (1995)', 'Comedy|Drama']);
    expect(parseCsvLine('7789,"11\'09""01 - September 11 (2002)",Drama')).toEqual(['7789', '11\'09"01 - September 11 (2002)', 'Drama']);
    expect(() => parseCsvLine('1,"open,x', 'movies.csv', 3)).toThrow(/movies.csv:3: unterminated/);
  });
});

describe('loadMovieLens errors', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'movielens-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says which file is missing', async () => {
    await expect(loadMovieLens(join(dir, 'nowhere'))).rejects.toThrow(/movies\.csv: file not found|ratings\.csv: file not found/);
  });

  it('names the file and line of a malformed row', async () => {
    await writeFile(join(dir, 'movies.csv'), 'movieId,title,genres\n1,Toy Story (1995),Comedy\n2,Heat (1995),Action\n');
    await writeFile(join(dir, 'ratings.csv'), 'userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,four,964982704\n');
    const error = await loadMovieLens(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MovieLensFormatError);
    expect((error as MovieLensFormatError).line).toBe(3);
    expect(String(error)).toMatch(/ratings\.csv:3: bad rating "four"/);
    await writeFile(join(dir, 'ratings.csv'), 'userId,movieId,rating,timestamp\n1,1,4.0,964982703\n2,99,3.0,964982704\n');
    await expect(loadMovieLens(dir)).rejects.toThrow(/ratings\.csv:3: movieId 99 is not in movies\.csv/);
    await writeFile(join(dir, 'movies.csv'), 'id,name\n1,x\n');
    await expect(loadMovieLens(dir)).rejects.toThrow(/movies\.csv:1: expected the header/);
  });
});

describe.skipIf(!present)('MovieLens latest-small', () => {
  let data: Dataset;
  let split: Split;
  let loadMs = 0;
  beforeAll(async () => {
    const started = performance.now();
    data = await loadMovieLens(FOLDER);
    loadMs = performance.now() - started;
    split = splitLeaveLastOut(data);
  });
  const item = (id: string) => data.items.find((i) => i.id === id)!;

  it('loads every rating, user and movie, quickly', () => {
    expect(data.source.kind).toBe('movielens');
    expect(data.interactions.count).toBe(100_836);
    expect(data.userIds).toHaveLength(610);
    expect(data.userIds[0]).toBe('1');
    expect(data.userIds[609]).toBe('610');
    expect(data.items).toHaveLength(9_742);
    expect(Array.from(data.interactions.rating).filter((r) => r >= 4)).toHaveLength(48_580);
    expect(loadMs).toBeLessThan(2_000);
  });

  it('parses titles, years and genres', () => {
    expect(item('1')).toMatchObject({ title: 'Toy Story', year: 1995, genres: ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'] });
    expect(item('2571')).toMatchObject({ title: 'Matrix, The', year: 1999, genres: ['Action', 'Sci-Fi', 'Thriller'] });
    expect(item('7789')).toMatchObject({ title: '11\'09"01 - September 11', year: 2002 });
    expect(item('27008')).toMatchObject({ title: 'From Dusk Till Dawn 2: Texas Blood Money', year: 1999 });
    expect(item('40697')).toMatchObject({ title: 'Babylon 5', year: null, genres: ['Sci-Fi'] });
    expect(item('171749')).toMatchObject({ title: 'Death Note: Desu nôto', year: 2006, genres: [] });
    expect(data.items.filter((i) => i.year === null)).toHaveLength(12);
    expect(data.items.filter((i) => i.genres.length === 0)).toHaveLength(34);
    expect(data.genres).toHaveLength(19);
    expect(data.genres).toContain('IMAX');
    expect(data.genres).not.toContain('(no genres listed)');
    const mask = data.itemGenreMask[data.items.findIndex((i) => i.id === '2571')]!;
    expect(data.genres.filter((_, g) => (mask >>> g) & 1)).toEqual(['Action', 'Sci-Fi', 'Thriller']);
  });

  it('keeps unrated movies and scales popularity by rating counts', () => {
    const counts = new Uint32Array(data.items.length);
    for (const i of data.interactions.itemIndex) counts[i]!++;
    expect(counts.filter((c) => c === 0)).toHaveLength(18);
    expect(item('356')).toMatchObject({ title: 'Forrest Gump', popularity: 1 }); // 329 ratings, the most
    expect(data.items.filter((i) => i.popularity === 0)).toHaveLength(18);
  });

  it('orders interactions by user, then time, then movieId', () => {
    const { userIndex, timestamp, itemIndex } = data.interactions;
    let wrong = 0;
    for (let k = 1; k < data.interactions.count; k++) {
      if (userIndex[k]! !== userIndex[k - 1]!) continue;
      const dt = timestamp[k]! - timestamp[k - 1]!;
      if (dt < 0 || (dt === 0 && Number(data.items[itemIndex[k]!]!.id) <= Number(data.items[itemIndex[k - 1]!]!.id))) wrong++;
    }
    expect(wrong).toBe(0);
    expect(timestamp[0]).toBe(964_980_499_000); // user 1's earliest rating (seconds 964980499), in ms
  });

  it('leave-last-out: one held-out positive per eligible user, no train interaction after it', () => {
    const { test, train } = split;
    // Every user has >= 20 ratings; all but one have a positive with history before it.
    expect(test.users.length).toBeGreaterThan(600);
    expect(test.items).toHaveLength(test.users.length);
    const problems: string[] = [];
    for (let t = 0; t < test.users.length; t++) {
      const u = test.users[t]!;
      const [held] = heldOutItemsOf(test, t);
      // The expected held-out item, recomputed independently: the max (timestamp, movieId) positive.
      let best = -1;
      for (let k = data.userOffsets[u]!; k < data.userOffsets[u + 1]!; k++) {
        if (data.interactions.rating[k]! < 4) continue;
        const better =
          best < 0 ||
          data.interactions.timestamp[k]! > data.interactions.timestamp[best]! ||
          (data.interactions.timestamp[k]! === data.interactions.timestamp[best]! &&
            Number(data.items[data.interactions.itemIndex[k]!]!.id) > Number(data.items[data.interactions.itemIndex[best]!]!.id));
        if (better) best = k;
      }
      if (data.interactions.itemIndex[best] !== held) problems.push(`user ${u}: held out ${held}, expected ${data.interactions.itemIndex[best]}`);
      const heldAt = data.interactions.timestamp[best]!;
      for (let k = train.userOffsets[u]!; k < train.userOffsets[u + 1]!; k++) {
        if (train.timestamp[k]! > heldAt) problems.push(`user ${u}: train interaction at ${train.timestamp[k]} after ${heldAt}`);
      }
      if (trainItemsOf(train, u).includes(held!)) problems.push(`user ${u}: held-out item in train`);
    }
    expect(problems).toEqual([]);
    expect(train.count + test.items.length + split.dropped).toBe(data.interactions.count);
  });

  it('breaks ties on the held-out timestamp by the larger movieId, the same way every time', () => {
    // Users whose last positive shares its timestamp with another positive.
    const tied: number[] = [];
    for (let t = 0; t < split.test.users.length; t++) {
      const u = split.test.users[t]!;
      let last = -1;
      for (let k = data.userOffsets[u]!; k < data.userOffsets[u + 1]!; k++) if (data.interactions.rating[k]! >= 4) last = k;
      const at = data.interactions.timestamp[last]!;
      let same = 0;
      for (let k = data.userOffsets[u]!; k < data.userOffsets[u + 1]!; k++) if (data.interactions.rating[k]! >= 4 && data.interactions.timestamp[k] === at) same++;
      if (same > 1) tied.push(t);
    }
    expect(tied.length).toBeGreaterThan(10);
    const again = splitLeaveLastOut(data);
    expect(sameBytes(again.test.items, split.test.items)).toBe(true);
    expect(sameBytes(again.train.itemIndex, split.train.itemIndex)).toBe(true);
  });

  it('embeddings trained on the first 300 users beat popularity for retrieval', async () => {
    // 300 users, one held-out item each: enough that NDCG@10 is not a coin toss (popularity has ~7 hits).
    const small = subsetUsers(data, Array.from({ length: 300 }, (_, u) => u));
    const smallSplit = splitLeaveLastOut(small);
    const trained = trainEmbeddings(smallSplit.train, { seed: 7, itemGenreMask: small.itemGenreMask });
    expect(trained.itemVectors.every(Number.isFinite)).toBe(true);
    expect(trained.userVectors.every(Number.isFinite)).toBe(true);

    const items = small.items.length;
    const { test } = smallSplit;
    const popular = popularityRankings(smallSplit.train, test, 50);
    const retrieved = await innerProductRankings(smallSplit.train, test, trained.userVectors, trained.itemVectors, trained.dimension, 50);
    const pop50 = evaluateRankings(popular, test, 50, items);
    const emb50 = evaluateRankings(retrieved, test, 50, items);
    const pop10 = evaluateRankings(popular, test, 10, items);
    const emb10 = evaluateRankings(retrieved, test, 10, items);
    expect(emb50.users).toBeGreaterThan(295);
    expect(emb50.recall).toBeGreaterThan(pop50.recall * 1.5);
    expect(emb10.ndcg).toBeGreaterThan(pop10.ndcg);
    expect(emb10.coverage).toBeGreaterThan(pop10.coverage * 3);
  });

  it('trains reproducibly for a seed, differently for another', () => {
    const small = subsetUsers(data, Array.from({ length: 100 }, (_, u) => u));
    const train = splitLeaveLastOut(small).train;
    const options = { seed: 7, iterations: 3, dimension: 32 };
    const a = trainEmbeddings(train, options);
    const b = trainEmbeddings(train, options);
    expect(sameBytes(b.userVectors, a.userVectors)).toBe(true);
    expect(sameBytes(b.itemVectors, a.itemVectors)).toBe(true);
    expect(sameBytes(trainEmbeddings(train, { ...options, seed: 8 }).itemVectors, a.itemVectors)).toBe(false);
  });
});
