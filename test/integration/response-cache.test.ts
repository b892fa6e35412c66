import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, createRedis, parseRedisTarget, type RedisClient } from '../../src/adapters/redis/redis-connection.ts';
import { documentId, runPersisted, startTestGateway, type TestGateway } from '../fixtures/gateway-harness.ts';
import { InstrumentedRanker } from '../fixtures/test-rankers.ts';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Asks again every 50 ms (for at most 5 s) until the answer is the one expected. */
async function eventually<T>(ask: () => Promise<T>, until: (answer: T) => boolean): Promise<T> {
  for (let tries = 0; ; tries++) {
    const answer = await ask();
    if (until(answer) || tries >= 100) return answer;
    await sleep(50);
  }
}

// The Redis variant runs against the shared Redis 7 under a prefix of its own; it deletes
// exactly the keys it saw written (by name), never scans.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface FeedAnswer {
  readonly xCache: string | null;
  readonly text: string;
}

/** A HomeFeed over multipart/mixed (what clients send); the body is kept as text. */
async function homeFeed(gw: TestGateway, headers: Record<string, string>, variables: Record<string, unknown> = { first: 5 }): Promise<FeedAnswer> {
  const response = await fetch(gw.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed', ...headers },
    body: JSON.stringify({ documentId: documentId('HomeFeed'), variables }),
  });
  const text = await response.text();
  expect(response.status).toBe(200);
  return { xCache: response.headers.get('x-cache'), text };
}

/** The refined ranking of a HomeFeed answer, whichever shape (streamed patch or one complete payload). */
function refinedOf(text: string): any {
  const match = /"refined":(\{"stage".*?"degradedReason":[^,]*)/.exec(text);
  return match ? match[1] : null;
}

function recordEvent(gw: TestGateway, userId: string, itemId: string) {
  return runPersisted(gw, 'RecordEvent', { input: { itemId, type: 'VIEW' } }, { 'x-user-id': userId });
}

const variants: Array<{ name: string; redis: boolean }> = [
  { name: 'in-memory LRU', redis: false },
  { name: 'Redis', redis: true },
];

/**
 * A gateway with the response cache on, in memory or in Redis under a prefix of its own, started
 * before a describe's tests and closed after them; in Redis it deletes exactly the keys it saw
 * written (by name), never scans. `rankerDelayMs` slows every ranking call.
 */
function cacheGateway(variant: { readonly redis: boolean }, tag: string, env: Record<string, string>, rankerDelayMs = 0) {
  const t = {
    gw: undefined as unknown as TestGateway,
    ranker: undefined as unknown as InstrumentedRanker,
    redis: null as RedisClient | null,
    prefix: `gwtest:${randomUUID().slice(0, 8)}:${tag}`,
    written: new Set<string>(),
    viewers: new Set<string>(),
    /** The identity headers of a viewer (remembered, to delete their generation key). */
    as(userId: string): Record<string, string> {
      t.viewers.add(`u:${userId}`);
      return { 'x-user-id': userId };
    },
  };
  beforeAll(async () => {
    const all: Record<string, string> = { RESPONSE_CACHE: 'true', ...env };
    if (variant.redis) {
      Object.assign(all, { REDIS_URL, REDIS_PREFIX: t.prefix });
      t.redis = await createRedis(parseRedisTarget(REDIS_URL));
    }
    t.gw = await startTestGateway({ env: all, wrapRanker: (real) => (t.ranker = new InstrumentedRanker(real, rankerDelayMs)) });
    expect(t.gw.gateway.responseCache?.backend).toBe(variant.redis ? 'redis' : 'memory');
    t.gw.gateway.responseCache!.subscribe((event) => {
      if (event.kind === 'store') t.written.add(event.key);
    });
  });
  afterAll(async () => {
    await t.gw?.close();
    if (t.redis) {
      const keys = [...t.written, ...[...t.viewers].map((v) => `${t.prefix}:rc:gen:${encodeURIComponent(v)}`)];
      if (keys.length > 0) await t.redis.del(...keys);
      await closeRedis(t.redis);
    }
  });
  return t;
}

for (const variant of variants) {
  describe(`response cache (${variant.name})`, () => {
    const t = cacheGateway(variant, 'cache', { BUDGET_HOME_MS: '3000', BUDGET_CHECKOUT_MS: '3000', RESPONSE_CACHE_STALE_MS: '10000' });
    const as = t.as;

    it('answers the second identical HomeFeed of a viewer from the cache, without ranking', async () => {
      const first = await homeFeed(t.gw, as('11'));
      expect(first.xCache).toBe('MISS');
      const callsAfterMiss = t.ranker.calls;
      expect(callsAfterMiss).toBeGreaterThan(0);
      const second = await homeFeed(t.gw, as('11'));
      expect(second.xCache).toBe('HIT');
      expect(t.ranker.calls).toBe(callsAfterMiss);
      // One complete payload with both parts, the same rankings as the streamed miss.
      expect(second.text).toContain('"responseCache":{"hit":true}');
      expect(refinedOf(second.text)).toBe(refinedOf(first.text));
      expect(refinedOf(second.text)).toContain('"degraded":false');
      if (t.redis) {
        const stored = [...t.written].filter((k) => k.startsWith(`${t.prefix}:rc:v:${encodeURIComponent('u:11')}:`));
        expect(stored).toHaveLength(1);
        // Kept the TTL (30 s) plus the stale window (10 s).
        const ttl = await t.redis.pttl(stored[0]!);
        expect(ttl).toBeGreaterThan(30_000);
        expect(ttl).toBeLessThanOrEqual(40_000);
      }
    });

    it('keeps viewers apart: another viewer misses', async () => {
      await homeFeed(t.gw, as('12'));
      const before = t.ranker.calls;
      const other = await homeFeed(t.gw, as('13'));
      expect(other.xCache).toBe('MISS');
      expect(t.ranker.calls).toBe(before + 1);
      expect((await homeFeed(t.gw, as('12'))).xCache).toBe('HIT');
    });

    it('misses again after the viewer records an event, and only for that viewer', async () => {
      await homeFeed(t.gw, as('14'));
      await homeFeed(t.gw, as('15'));
      expect((await homeFeed(t.gw, as('14'))).xCache).toBe('HIT');
      const event = await recordEvent(t.gw, '14', '77');
      expect(event.body.errors).toBeUndefined();
      expect(event.body.data?.recordEvent.accepted).toBe(true);
      const before = t.ranker.calls;
      expect((await homeFeed(t.gw, as('14'))).xCache).toBe('MISS');
      expect(t.ranker.calls).toBe(before + 1);
      expect((await homeFeed(t.gw, as('14'))).xCache).toBe('HIT');
      expect((await homeFeed(t.gw, as('15'))).xCache).toBe('HIT');
    });

    it('invalidates on POST /events too', async () => {
      await homeFeed(t.gw, as('16'));
      expect((await homeFeed(t.gw, as('16'))).xCache).toBe('HIT');
      const response = await fetch(`${t.gw.url}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', 'x-user-id': '16' },
        body: `${JSON.stringify({ itemId: '78', type: 'CLICK' })}\n`,
      });
      expect(((await response.json()) as { accepted: number }).accepted).toBe(1);
      expect((await homeFeed(t.gw, as('16'))).xCache).toBe('MISS');
    });

    it('never caches CHECKOUT (TTL 0)', async () => {
      const before = t.ranker.calls;
      const a = await homeFeed(t.gw, as('17'), { first: 5, surface: 'CHECKOUT' });
      const b = await homeFeed(t.gw, as('17'), { first: 5, surface: 'CHECKOUT' });
      expect(a.xCache).toBeNull();
      expect(b.xCache).toBeNull();
      expect(t.ranker.calls).toBe(before + 2);
    });

    it('never caches mutations', async () => {
      const a = await recordEvent(t.gw, '18', '79');
      const b = await recordEvent(t.gw, '18', '79');
      t.viewers.add('u:18');
      expect(a.headers.get('x-cache')).toBeNull();
      expect(b.headers.get('x-cache')).toBeNull();
      expect(a.body.data?.recordEvent.eventId).toEqual(expect.any(String));
      expect(b.body.data?.recordEvent.eventId).not.toBe(a.body.data?.recordEvent.eventId);
      expect(b.body).not.toHaveProperty('extensions.responseCache');
    });

    it('counts hits and misses', async () => {
      const stats = t.gw.gateway.responseCache!.stats;
      const { hits, misses } = stats;
      await homeFeed(t.gw, as('19'));
      await homeFeed(t.gw, as('19'));
      expect(stats.hits).toBe(hits + 1);
      expect(stats.misses).toBe(misses + 1);
    });
  });
}

for (const variant of variants) {
  describe(`expiry and concurrent misses (${variant.name}): one request runs the operation`, () => {
    // A slow ranker keeps each miss in flight long enough for the other requests to arrive during it.
    const RANKER_DELAY_MS = 250;
    const TTL_MS = 400;
    const t = cacheGateway(
      variant,
      'flights',
      { BUDGET_HOME_MS: '3000', RESPONSE_CACHE_TTL_HOME_MS: String(TTL_MS), RESPONSE_CACHE_STALE_MS: '60000', RESPONSE_CACHE_MISS_WAIT_MS: '3000' },
      RANKER_DELAY_MS,
    );
    const as = t.as;
    const together = (userId: string, n: number) => Promise.all(Array.from({ length: n }, () => homeFeed(t.gw, as(userId))));
    const verdicts = (answers: readonly FeedAnswer[]) => answers.map((a) => a.xCache).sort();

    it('answers requests that arrive during a miss with that miss\'s answer, ranking once', async () => {
      const before = t.ranker.calls;
      const answers = await together('31', 5);
      expect(t.ranker.calls).toBe(before + 1);
      expect(verdicts(answers)).toEqual(['HIT', 'HIT', 'HIT', 'HIT', 'MISS']);
      const leader = answers.find((a) => a.xCache === 'MISS')!;
      for (const answer of answers.filter((a) => a !== leader)) {
        expect(answer.text).toContain('"responseCache":{"hit":true}');
        expect(refinedOf(answer.text)).toBe(refinedOf(leader.text));
      }
      expect(t.gw.gateway.responseCache!.stats.coalesced).toBeGreaterThanOrEqual(4);
    });

    it('past the TTL answers every request at once with the old answer and refreshes it once in the background', async () => {
      const first = await homeFeed(t.gw, as('32'));
      expect(first.xCache).toBe('MISS');
      await sleep(TTL_MS + 100);
      const before = t.ranker.calls;
      const startedAt = performance.now();
      const answers = await together('32', 4);
      expect(performance.now() - startedAt).toBeLessThan(RANKER_DELAY_MS); // nobody waited for the refresh's ranking
      expect(verdicts(answers)).toEqual(['STALE', 'STALE', 'STALE', 'STALE']);
      for (const stale of answers) expect(refinedOf(stale.text)).toBe(refinedOf(first.text));
      const stored = t.gw.gateway.responseCache!.stats.stored;
      const fresh = await eventually(() => homeFeed(t.gw, as('32')), (answer) => answer.xCache === 'HIT');
      expect(refinedOf(fresh.text)).toContain('"degraded":false');
      expect(t.ranker.calls).toBe(before + 1);
      expect(t.gw.gateway.responseCache!.stats.stored).toBe(stored + 1);
    });

    it('refreshes a compiled document (no @defer) in the background too', async () => {
      const coarse = () => runPersisted(t.gw, 'CoarseFeed', { first: 5 }, as('34'));
      expect((await coarse()).headers.get('x-cache')).toBe('MISS');
      await sleep(TTL_MS + 100);
      const stored = t.gw.gateway.responseCache!.stats.stored;
      const stale = await coarse();
      expect(stale.headers.get('x-cache')).toBe('STALE');
      const fresh = await eventually(coarse, (answer) => answer.headers.get('x-cache') === 'HIT');
      expect(fresh.headers.get('x-cache')).toBe('HIT');
      expect(t.gw.gateway.responseCache!.stats.stored).toBe(stored + 1);
      // The same ranking, newly computed (only the pass's measured latency differs).
      const withoutLatency = (data: unknown) => JSON.stringify(data).replace(/"latencyMs":[0-9.]+/g, '');
      expect(withoutLatency(fresh.body.data)).toBe(withoutLatency(stale.body.data));
    });

    it('never serves an answer stale after the viewer\'s event invalidated it', async () => {
      expect((await homeFeed(t.gw, as('33'))).xCache).toBe('MISS');
      await sleep(TTL_MS + 100);
      expect((await recordEvent(t.gw, '33', '80')).body.data?.recordEvent.accepted).toBe(true);
      const before = t.ranker.calls;
      const answers = await together('33', 3);
      expect(verdicts(answers)).toEqual(['HIT', 'HIT', 'MISS']);
      expect(t.ranker.calls).toBe(before + 1);
    });
  });
}

describe('response cache and degraded answers', () => {
  it('never stores an answer whose refined ranking is degraded', async () => {
    let ranker!: InstrumentedRanker;
    const gw = await startTestGateway({
      env: { BUDGET_HOME_MS: '50', RESPONSE_CACHE: 'true' },
      wrapRanker: (real) => (ranker = new InstrumentedRanker(real, 1500)),
    });
    try {
      const first = await homeFeed(gw, { 'x-user-id': '21' });
      expect(first.xCache).toBe('MISS');
      expect(refinedOf(first.text)).toContain('"degraded":true');
      const second = await homeFeed(gw, { 'x-user-id': '21' });
      expect(second.xCache).toBe('MISS');
      expect(ranker.calls).toBe(2);
      expect(gw.gateway.responseCache!.stats.stored).toBe(0);
      expect(gw.gateway.responseCache!.stats.notStored).toBe(2);
      // A key whose runs store nothing is not waited on: each request runs its own, and nobody gets a degraded answer as a hit.
      const together = await Promise.all([1, 2, 3].map(() => homeFeed(gw, { 'x-user-id': '21' })));
      expect(together.map((a) => a.xCache)).toEqual(['MISS', 'MISS', 'MISS']);
      expect(ranker.calls).toBe(5);
    } finally {
      await gw.close();
    }
  });
});
