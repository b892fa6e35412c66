import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentId, errorCodes, postGraphQL, runPersisted, startTestGateway, type TestGateway } from '../fixtures/gateway-harness.ts';

/** A raw HTTP request, for bodies fetch() would not send. */
function rawRequest(url: string, headers: Record<string, string>, chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('bad input gets coded errors and never breaks the gateway', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { MAX_BODY_BYTES: '4096' } });
  });
  afterAll(() => gw.close());

  it.each([0, 101, -5])('refuses first = %i with BAD_USER_INPUT', async (first) => {
    const res = await runPersisted(gw, 'CoarseFeed', { first }, { 'x-user-id': '1' });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.data ?? null).toBeNull();
  });

  it('answers an unknown item id with ITEM_NOT_FOUND and a null item', async () => {
    const res = await runPersisted(gw, 'ItemDetail', { id: 'no-such-item' });
    expect(res.status).toBe(200);
    expect(errorCodes(res)).toEqual(['ITEM_NOT_FOUND']);
    expect(res.body.data).toEqual({ item: null });
  });

  it('refuses an event for an unknown item with ITEM_NOT_FOUND', async () => {
    const res = await runPersisted(gw, 'RecordEvent', { input: { itemId: '999999999', type: 'CLICK' } }, { 'x-session-id': 'bad-item' });
    expect(errorCodes(res)).toEqual(['ITEM_NOT_FOUND']);
  });

  it.each(['yesterday', '2999-01-01T00:00:00Z', '2001-01-01T00:00:00Z'])('refuses occurredAt %s with BAD_USER_INPUT', async (occurredAt) => {
    const res = await runPersisted(gw, 'RecordEvent', { input: { itemId: '1', type: 'CLICK', occurredAt } }, { 'x-session-id': 'bad-time' });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers malformed JSON with 400 BAD_REQUEST', async () => {
    const res = await postGraphQL(gw, '{"documentId": ');
    expect(res.status).toBe(400);
    expect(errorCodes(res)).toEqual(['BAD_REQUEST']);
  });

  it('answers malformed JSON in GET variables with 400 BAD_REQUEST', async () => {
    const res = await fetch(`${gw.graphqlUrl}?documentId=${encodeURIComponent(documentId('Trending'))}&variables=${encodeURIComponent('{bad')}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('answers a variable of the wrong type with BAD_USER_INPUT', async () => {
    const res = await runPersisted(gw, 'CoarseFeed', { first: 'ten' });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    const surface = await runPersisted(gw, 'CoarseFeed', { surface: 'NOWHERE' });
    expect(errorCodes(surface)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers a documentId that is not a string with 400 PERSISTED_QUERY_ID_REQUIRED', async () => {
    const res = await postGraphQL(gw, { documentId: 42 });
    expect(res.status).toBe(400);
    expect(errorCodes(res)).toEqual(['PERSISTED_QUERY_ID_REQUIRED']);
  });

  it('refuses a body over MAX_BODY_BYTES with 413 PAYLOAD_TOO_LARGE before reading it', async () => {
    const big = JSON.stringify({ documentId: documentId('Trending'), variables: { pad: 'x'.repeat(10_000) } });
    const res = await postGraphQL(gw, big);
    expect(res.status).toBe(413);
    expect(errorCodes(res)).toEqual(['PAYLOAD_TOO_LARGE']);
  });

  it('refuses a chunked body without Content-Length with 411 LENGTH_REQUIRED', async () => {
    const res = await rawRequest(gw.graphqlUrl, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, ['{"documentId":', '"x"}']);
    expect(res.status).toBe(411);
    expect(JSON.parse(res.body).errors[0].extensions.code).toBe('LENGTH_REQUIRED');
  });

  it('keeps serving after all of the above', async () => {
    const res = await runPersisted(gw, 'Trending', { first: 1 });
    expect(res.status).toBe(200);
    expect(res.body.data?.trending).toHaveLength(1);
    const health = await fetch(`${gw.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
