import { describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../src/adapters/memory/memory-catalog.ts';
import { StoreBreaker } from '../../src/adapters/resilient-breaker.ts';
import { ResilientCatalog, ResilientFeatureStore, ResilientTrending } from '../../src/adapters/resilient-stores.ts';
import type { Catalog, CatalogItem } from '../../src/ports/catalog.ts';
import type { FeatureStore, ScoredItemId } from '../../src/ports/feature-store.ts';
import type { TrendingSource } from '../../src/ports/trending.ts';

function clock(): { now: () => number; advance(ms: number): void } {
  let t = 0;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const fail = (): Promise<never> => Promise.reject(new Error('ECONNREFUSED'));

describe('StoreBreaker', () => {
  it('opens after consecutive failures, short-circuits without calling, and closes on a good probe', async () => {
    const time = clock();
    const breaker = new StoreBreaker({ failureThreshold: 3, openMs: 500, callTimeoutMs: 50, now: time.now });
    let calls = 0;
    const failing = (): Promise<never> => {
      calls++;
      return fail();
    };
    for (let i = 0; i < 3; i++) {
      await expect(breaker.run('x', failing)).rejects.toMatchObject({ extensions: { code: 'BACKEND_UNAVAILABLE' } });
    }
    expect(breaker.state).toBe('open');
    await expect(breaker.run('x', failing)).rejects.toMatchObject({ extensions: { code: 'BACKEND_UNAVAILABLE' } });
    expect(calls).toBe(3);

    time.advance(500);
    expect(breaker.state).toBe('half-open');
    await expect(breaker.run('x', failing)).rejects.toThrow(/unavailable/);
    expect(calls).toBe(4);
    expect(breaker.state).toBe('open');

    time.advance(500);
    expect(await breaker.run('x', async () => 42)).toBe(42);
    expect(breaker.state).toBe('closed');
  });

  it('lets one probe through at a time while half-open', async () => {
    const time = clock();
    const breaker = new StoreBreaker({ failureThreshold: 1, openMs: 100, callTimeoutMs: 1_000, now: time.now });
    await expect(breaker.run('x', fail)).rejects.toThrow();
    time.advance(100);
    let release!: (v: number) => void;
    const probe = breaker.run('x', () => new Promise<number>((resolve) => (release = resolve)));
    await expect(breaker.run('x', async () => 1)).rejects.toThrow(/circuit open/);
    release(7);
    expect(await probe).toBe(7);
    expect(await breaker.run('x', async () => 1)).toBe(1);
  });

  it('abandons a call that outlasts the timeout', async () => {
    const breaker = new StoreBreaker({ callTimeoutMs: 20 });
    const started = performance.now();
    await expect(breaker.run('x', () => new Promise<never>(() => {}))).rejects.toThrow(/no reply within 20 ms/);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('ResilientTrending', () => {
  const baseline: ScoredItemId[] = [{ itemId: 'a', score: 3 }, { itemId: 'b', score: 2 }, { itemId: 'c', score: 1 }];

  it('serves the baseline, then the last good answer, while the primary fails', async () => {
    let answer: ScoredItemId[] | null = null;
    const primary: TrendingSource = {
      top: async (n) => (answer ? answer.slice(0, n) : fail()),
      record: async () => {},
    };
    const trending = new ResilientTrending(primary, baseline, new StoreBreaker({ failureThreshold: 100 }));
    expect(await trending.top(2)).toEqual(baseline.slice(0, 2));
    answer = [{ itemId: 'z', score: 9 }];
    expect(await trending.top(2)).toEqual(answer);
    answer = null;
    expect((await trending.top(3)).map((e) => e.itemId)).toEqual(['z', 'a', 'b']);
    answer = [];
    expect((await trending.top(2)).map((e) => e.itemId)).toEqual(['z', 'a']);
  });
});

describe('ResilientCatalog', () => {
  const items: CatalogItem[] = [
    { id: '1', title: 'one', genres: [], popularity: 1, year: null },
    { id: '2', title: 'two', genres: [], popularity: 0.5, year: 2001 },
  ];

  it('answers from the in-process copy when the primary fails or lost a key', async () => {
    let broken = true;
    const primary: Catalog = {
      size: 2,
      has: (id) => id === '1' || id === '2',
      getItems: async (ids) => (broken ? fail() : ids.map((id) => (id === '1' ? { ...items[0]!, title: 'remote' } : null))),
    };
    const catalog = new ResilientCatalog(primary, new MemoryCatalog(items), new StoreBreaker({ failureThreshold: 100 }));
    expect((await catalog.getItems(['2', '1', '9'])).map((i) => i?.title ?? null)).toEqual(['two', 'one', null]);
    broken = false;
    expect((await catalog.getItems(['2', '1', '9'])).map((i) => i?.title ?? null)).toEqual(['two', 'remote', null]);
  });
});

describe('ResilientFeatureStore', () => {
  const vector = (x: number): Float32Array => Float32Array.from([x, 0]);
  function store(name: number): FeatureStore {
    return {
      dimension: 2,
      genres: ['a'],
      getUserFeatures: async (ids) => ids.map(() => ({ vector: vector(name), genreProfile: Float32Array.from([1]) })),
      getItemFeatures: async (ids) => ids.map(() => ({ vector: vector(name), popularity: name, genreMask: 1, year: null })),
      getPrecomputed: async () => [{ itemId: String(name), score: 1 }],
    };
  }
  const failing: FeatureStore = { ...store(0), getUserFeatures: fail, getItemFeatures: fail, getPrecomputed: fail };

  it('answers from the primary while it works, and from the in-process copy while it fails', async () => {
    const healthy = new ResilientFeatureStore(store(1), store(2), new StoreBreaker({ callTimeoutMs: 1_000 }));
    expect((await healthy.getUserFeatures(['u']))[0]!.vector[0]).toBe(1);
    expect((await healthy.getItemFeatureColumns(['i'])).popularity[0]).toBe(1);
    const down = new ResilientFeatureStore(failing, store(2), new StoreBreaker({ failureThreshold: 2, callTimeoutMs: 1_000 }));
    for (let i = 0; i < 4; i++) {
      expect((await down.getUserFeatures(['u']))[0]!.vector[0]).toBe(2);
      expect((await down.getItemFeatures(['i']))[0]!.popularity).toBe(2);
      expect((await down.getItemFeatureColumns(['i'])).popularity[0]).toBe(2);
      expect(await down.getPrecomputed('u')).toEqual([{ itemId: '2', score: 1 }]);
    }
  });
});
