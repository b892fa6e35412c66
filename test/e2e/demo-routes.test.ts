import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CSP } from '../../src/gateway/demo/demo-routes.ts';
import { documentId, startTestGateway, type TestGateway } from '../fixtures/gateway-harness.ts';

const OPERATIONS = ['HomeFeed', 'CoarseFeed', 'RecordEvent', 'ItemDetail', 'Trending'];

describe('demo routes', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  it('serves the page with a strict CSP and no inline script', async () => {
    const res = await fetch(`${gw.url}/demo`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(DEMO_CSP);
    expect(DEMO_CSP).toContain("script-src 'self';");
    expect(DEMO_CSP).not.toContain('unsafe');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/demo/app.js"></script>');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it.each([
    ['/demo/', 'text/html; charset=utf-8'],
    ['/demo/app.js', 'text/javascript; charset=utf-8'],
    ['/demo/multipart.js', 'text/javascript; charset=utf-8'],
    ['/demo/feed-diff.js', 'text/javascript; charset=utf-8'],
    ['/demo/demo.css', 'text/css; charset=utf-8'],
    ['/demo/favicon.svg', 'image/svg+xml'],
  ])('serves %s as %s, small', async (path, type) => {
    const res = await fetch(`${gw.url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect((await res.arrayBuffer()).byteLength).toBeLessThan(16 * 1024);
  });

  it('maps every persisted operation to its manifest id, and says how identity is sent', async () => {
    const res = await fetch(`${gw.url}/demo/documents.json`);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = await res.json();
    expect(body.operations).toEqual(Object.fromEntries(OPERATIONS.map((name) => [name, documentId(name)])));
    expect(body).toMatchObject({ identity: 'headers', production: false, surfaces: ['HOME', 'ITEM_DETAIL', 'CHECKOUT', 'SEARCH'] });
  });

  it('answers HEAD with the headers only and a matching ETag with 304', async () => {
    const get = await fetch(`${gw.url}/demo/app.js`);
    const length = (await get.arrayBuffer()).byteLength;
    const head = await fetch(`${gw.url}/demo/app.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(length);
    expect(await head.text()).toBe('');
    const etag = get.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await fetch(`${gw.url}/demo/app.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('content-security-policy')).toBe(DEMO_CSP);
  });

  it.each(['POST', 'PUT', 'DELETE'])('refuses %s with 405 and Allow', async (method) => {
    const res = await fetch(`${gw.url}/demo`, { method, headers: { 'content-type': 'text/plain' }, body: method === 'DELETE' ? null : 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect((await res.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('serves only the listed files', async () => {
    expect((await fetch(`${gw.url}/demo/demo-routes.ts`)).status).toBe(404);
    expect((await fetch(`${gw.url}/demo/multipart.d.ts`)).status).toBe(404);
  });
});

describe('demo routes in production', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { NODE_ENV: 'production', JWT_SECRET: 'demo-routes-test-secret' } });
  });
  afterAll(() => gw.close());

  it('tells the page that identity is a JWT', async () => {
    const body = await (await fetch(`${gw.url}/demo/documents.json`)).json();
    expect(body).toMatchObject({ identity: 'jwt', production: true });
    expect((await fetch(`${gw.url}/demo`)).status).toBe(200);
  });
});
