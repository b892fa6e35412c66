import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentId, postGraphQL, startTestGateway, type TestGateway } from '../fixtures/gateway-harness.ts';
import { readParts } from '../fixtures/incremental.ts';

// The edge answers response-cache hits of persisted queries itself and runs the compiled
// documents; Yoga answers the rest. Every answer of the edge is compared with Yoga's.
const CACHE_ON = { RESPONSE_CACHE: 'true', BUDGET_HOME_MS: '5000', BUDGET_ITEM_DETAIL_MS: '5000' };
const QUERIES: ReadonlyArray<{ name: string; variables: Record<string, unknown> }> = [
  { name: 'HomeFeed', variables: { first: 5 } },
  { name: 'CoarseFeed', variables: { first: 5 } },
  { name: 'ItemDetail', variables: { id: '7' } },
  { name: 'Trending', variables: { first: 5 } },
];
const MANIFEST = JSON.parse(readFileSync(new URL('../../persisted-queries/manifest.json', import.meta.url), 'utf8')) as Record<string, string>;
const ACCEPTS = ['application/json', 'application/graphql-response+json', 'multipart/mixed', 'text/event-stream'] as const;

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly cache: string | null;
  readonly etag: string | null;
  readonly timing: string;
  readonly requestId: string | null;
  /** Payloads received: 2 for a streamed @defer answer (initial, then the deferred part). */
  readonly parts: number;
  /** `data` with every incremental part merged in. */
  readonly data: unknown;
  readonly errors: unknown[];
}

/** Folds @defer parts into one result, as a client does. */
function merge(parts: Array<{ body: any }>): { data: any; errors: unknown[] } {
  const data = structuredClone(parts[0]?.body?.data ?? null);
  const errors: unknown[] = [...(parts[0]?.body?.errors ?? [])];
  for (const part of parts.slice(1)) {
    for (const inc of part.body?.incremental ?? []) {
      let target = data;
      for (const key of inc.path ?? []) target = target[key];
      Object.assign(target, inc.data);
      errors.push(...(inc.errors ?? []));
    }
  }
  return { data, errors };
}

async function ask(
  gw: TestGateway,
  name: string,
  variables: Record<string, unknown>,
  accept: string,
  headers: Record<string, string> = {},
  params: Record<string, unknown> = { documentId: documentId(name) },
): Promise<Answer> {
  const response = await fetch(gw.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, ...headers },
    body: JSON.stringify({ ...params, variables }),
  });
  const parts = await readParts(response);
  const merged = merge(parts);
  return {
    parts: parts.length,
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    cache: response.headers.get('x-cache'),
    etag: response.headers.get('etag'),
    timing: response.headers.get('server-timing') ?? '',
    requestId: response.headers.get('x-request-id'),
    data: merged.data,
    errors: merged.errors,
  };
}

/**
 * Two executions of one query agree on everything but what depends on the clock: `latencyMs`
 * (measured per execution) and trending scores (decayed counts, decaying by the millisecond;
 * their order is still compared).
 */
function withoutClock(value: unknown, operation: string): unknown {
  return JSON.parse(JSON.stringify(value), (key, v: unknown) => {
    if (key === 'latencyMs') return undefined;
    if (key === 'score' && operation === 'Trending') return undefined;
    return v;
  });
}

describe('persisted-query edge (development identity headers)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: CACHE_ON });
  });
  afterAll(() => gw.close());

  it.each(QUERIES.flatMap((q) => ACCEPTS.map((accept) => ({ ...q, accept }))))('answers $name as $accept on the edge exactly as Yoga does', async ({ name, variables, accept }) => {
    const viewer = { 'x-user-id': String(100 + QUERIES.findIndex((q) => q.name === name) * 10 + ACCEPTS.indexOf(accept)) };
    // A miss, run compiled on the edge (HomeFeed defers: it streams, so over multipart).
    const miss = await ask(gw, name, variables, name === 'HomeFeed' ? 'multipart/mixed' : accept, viewer);
    expect(miss.status).toBe(200);
    expect(miss.cache).toBe('MISS');
    expect(miss.errors).toEqual([]);
    expect(miss.timing).toContain('compiled');
    expect(miss.parts).toBe(name === 'HomeFeed' ? 2 : 1);
    // A hit, in the asked form, from the stored bytes.
    const hit = await ask(gw, name, variables, accept, viewer);
    expect(hit.status).toBe(200);
    expect(hit.cache).toBe('HIT');
    expect(hit.etag).toMatch(/^"[A-Za-z0-9_-]+\.[gjms]"$/);
    expect(hit.errors).toEqual([]);
    expect(hit.data).toEqual(miss.data);
    // Yoga's own executor on the same text (free text skips the edge), same viewer and form.
    const yoga = await ask(gw, name, variables, accept, viewer, { query: MANIFEST[documentId(name)] });
    expect(yoga.timing).not.toContain('compiled');
    if (yoga.status === 200) {
      expect(yoga.parts).toBe(accept.includes('json') ? 1 : name === 'HomeFeed' ? 2 : 1);
      expect(withoutClock(miss.data, name)).toEqual(withoutClock(yoga.data, name));
      expect(hit.contentType).toBe(yoga.contentType);
      if (name !== 'HomeFeed') expect(miss.contentType).toBe(yoga.contentType);
    } else {
      // Yoga refuses a deferred query with 406 where only JSON is accepted; its hits it answers as JSON too.
      expect([name, yoga.status, accept.includes('json')]).toEqual(['HomeFeed', 406, true]);
    }
  });

  it('answers 304 to a matching If-None-Match, one ETag per form', async () => {
    const viewer = { 'x-user-id': '201' };
    await ask(gw, 'CoarseFeed', { first: 3 }, 'application/json', viewer);
    const hit = await ask(gw, 'CoarseFeed', { first: 3 }, 'application/json', viewer);
    const other = await ask(gw, 'CoarseFeed', { first: 3 }, 'application/graphql-response+json', viewer);
    expect(hit.etag).not.toBeNull();
    expect(other.etag).not.toBe(hit.etag);
    const revalidated = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'if-none-match': hit.etag!, ...viewer },
      body: JSON.stringify({ documentId: documentId('CoarseFeed'), variables: { first: 3 } }),
    });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe('');
    expect(revalidated.headers.get('cache-control')).toBe('private, no-cache');
    // Another viewer with the same validator gets their own answer, not a 304 for someone else's.
    const stranger = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'if-none-match': hit.etag!, 'x-user-id': '202' },
      body: JSON.stringify({ documentId: documentId('CoarseFeed'), variables: { first: 3 } }),
    });
    expect(stranger.status).toBe(200);
  });

  it('serves the GET form and Apollo hashes from the same entry', async () => {
    const viewer = { 'x-user-id': '203' };
    await ask(gw, 'Trending', { first: 4 }, 'application/json', viewer);
    const id = documentId('Trending');
    const get = await fetch(`${gw.graphqlUrl}?documentId=${encodeURIComponent(id)}&variables=${encodeURIComponent('{"first":4}')}`, { headers: { accept: 'application/json', ...viewer } });
    expect(get.headers.get('x-cache')).toBe('HIT');
    const apollo = await postGraphQL(gw, { extensions: { persistedQuery: { version: 1, sha256Hash: id.slice('sha256:'.length) } }, variables: { first: 4 } }, viewer);
    expect(apollo.headers.get('x-cache')).toBe('HIT');
    expect(apollo.body.data).toEqual(((await get.json()) as { data: unknown }).data);
  });

  it('stops serving a viewer’s cached feed once they record an event', async () => {
    const viewer = { 'x-user-id': '204' };
    const first = await ask(gw, 'CoarseFeed', { first: 10 }, 'application/json', viewer);
    expect((await ask(gw, 'CoarseFeed', { first: 10 }, 'application/json', viewer)).cache).toBe('HIT');
    const clicked = (first.data as any).feed.coarse.items[0].item.id as string;
    const event = await postGraphQL(gw, { documentId: documentId('RecordEvent'), variables: { input: { itemId: clicked, type: 'CLICK' } } }, viewer);
    expect(event.body.errors).toBeUndefined();
    const after = await ask(gw, 'CoarseFeed', { first: 10 }, 'application/json', viewer);
    expect(after.cache).toBe('MISS');
    expect((after.data as any).feed.coarse.source).toBe('SESSION');
    expect((after.data as any).feed.coarse.items.map((r: any) => r.item.id)).not.toContain(clicked);
  });

  it('echoes the request id on every answer it writes or hands to Yoga', async () => {
    const viewer = { 'x-user-id': '206' };
    const post = (id: string, params: Record<string, unknown>, accept = 'application/json', more: Record<string, string> = {}): Promise<Response> =>
      fetch(gw.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept, 'x-request-id': id, ...viewer, ...more },
        body: JSON.stringify(params),
      });
    const coarse = { documentId: documentId('CoarseFeed'), variables: { first: 2 } };
    const answers: Array<[string, Response, string | null]> = [
      ['edge-miss', await post('edge-miss', coarse), 'MISS'],
      ['edge-hit', await post('edge-hit', coarse), 'HIT'],
      ['edge-stream', await post('edge-stream', { documentId: documentId('HomeFeed'), variables: { first: 2 } }, 'multipart/mixed'), 'MISS'],
      ['edge-to-yoga', await post('edge-to-yoga', { documentId: 'sha256:0000' }), null],
    ];
    const etag = answers[1]![1].headers.get('etag')!;
    answers.push(['edge-304', await post('edge-304', coarse, 'application/json', { 'if-none-match': etag }), 'HIT']);
    for (const [id, response, cache] of answers) {
      await response.arrayBuffer();
      expect([id, response.headers.get('x-request-id'), response.headers.get('x-cache')]).toEqual([id, id, cache]);
    }
    expect(answers.at(-1)![1].status).toBe(304);
    // Without one, each answer gets a new id.
    const [a, b] = [await ask(gw, 'CoarseFeed', { first: 2 }, 'application/json', viewer), await ask(gw, 'CoarseFeed', { first: 2 }, 'application/json', viewer)];
    expect(a.requestId).toMatch(/^[A-Za-z0-9_-]{9,}$/);
    expect(b.requestId).not.toBe(a.requestId);
  });

  it('leaves what is not a cacheable persisted query to Yoga', async () => {
    const freeText = await postGraphQL(gw, { query: '{ trending(first: 2) { position } }' }, { 'x-user-id': '205' });
    expect(freeText.body.data).toEqual({ trending: [{ position: 1 }, { position: 2 }] });
    const unknown = await postGraphQL(gw, { documentId: 'sha256:0000' }, { 'x-user-id': '205' });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const malformed = await postGraphQL(gw, '{"documentId": ', { 'x-user-id': '205' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors?.length).toBeGreaterThan(0);
  });
});

describe('persisted-query edge in production (JWT)', () => {
  const SECRET = 'edge-test-secret-edge-test-secret';
  const sign = (sub: string, expiresIn: string | number, secret = SECRET): Promise<string> =>
    new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(secret));
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { ...CACHE_ON, NODE_ENV: 'production', JWT_SECRET: SECRET } });
  });
  afterAll(() => gw.close());

  it('never gives a cached private answer to a forged or expired token', async () => {
    const good = { authorization: `Bearer ${await sign('301', '5m')}` };
    await ask(gw, 'CoarseFeed', { first: 4 }, 'application/json', good);
    const hit = await ask(gw, 'CoarseFeed', { first: 4 }, 'application/json', good);
    expect(hit.cache).toBe('HIT');
    const forged = { authorization: `Bearer ${await sign('301', '5m', 'not-the-secret-not-the-secret-xx')}` };
    const expired = { authorization: `Bearer ${await sign('301', Math.floor(Date.now() / 1000) - 60)}` };
    for (const headers of [forged, expired]) {
      const answer = await ask(gw, 'CoarseFeed', { first: 4 }, 'application/json', headers);
      expect(answer.cache).not.toBe('HIT');
      expect(answer.data ?? null).toBeNull();
      expect((answer.errors[0] as any)?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses free text at the edge too', async () => {
    const freeText = await postGraphQL(gw, { query: '{ trending(first: 2) { position } }' }, { authorization: `Bearer ${await sign('302', '5m')}` });
    expect(freeText.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    expect(freeText.body.data ?? null).toBeNull();
  });
});
