import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, runPersisted, startTestGateway, type TestGateway } from '../fixtures/gateway-harness.ts';

const SECRET = 'identity-test-secret-of-enough-length';

function viewerOf(res: Awaited<ReturnType<typeof runPersisted>>) {
  return res.body.data?.feed.viewer;
}

async function hs256(claims: Record<string, unknown>, secret = SECRET, expiresIn: string | number = '5m') {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(secret));
}

describe('identity in production (JWT)', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { NODE_ENV: 'production', JWT_SECRET: SECRET } });
  });
  afterAll(() => gw.close());

  const feedAs = (headers: Record<string, string>) => runPersisted(gw, 'CoarseFeed', { first: 3 }, { ...headers });

  it('accepts a valid HS256 token: sub is the viewer', async () => {
    const res = await feedAs({ authorization: `Bearer ${await hs256({ sub: '42' })}` });
    expect(res.body.errors).toBeUndefined();
    expect(viewerOf(res)).toEqual({ id: '42', anonymous: false });
  });

  it('refuses an expired token with UNAUTHENTICATED', async () => {
    const expired = await hs256({ sub: '42' }, SECRET, Math.floor(Date.now() / 1000) - 60);
    const res = await feedAs({ authorization: `Bearer ${expired}` });
    expect(res.status).toBe(401);
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.body.errors?.[0]?.message).toMatch(/expired/);
  });

  it('refuses a token signed with another secret', async () => {
    const res = await feedAs({ authorization: `Bearer ${await hs256({ sub: '42' }, 'another-secret-another-secret-xx')}` });
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.body.data ?? null).toBeNull();
  });

  it('refuses a token whose payload was altered', async () => {
    const [header, , signature] = (await hs256({ sub: '42' })).split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: '1', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    const res = await feedAs({ authorization: `Bearer ${header}.${forgedPayload}.${signature}` });
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses an unsigned (alg: none) token', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: '1', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    const res = await feedAs({ authorization: `Bearer ${header}.${payload}.` });
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a token signed with an RSA key it was not configured with', async () => {
    const token = await new SignJWT({ sub: '42' }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('5m').sign(rsa.privateKey);
    const res = await feedAs({ authorization: `Bearer ${token}` });
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('ignores x-user-id in production: no token means anonymous', async () => {
    const res = await feedAs({ 'x-user-id': '42' });
    expect(viewerOf(res)).toEqual({ id: '', anonymous: true });
  });

  it('refuses a malformed Authorization header', async () => {
    const res = await feedAs({ authorization: 'Basic dXNlcjpwYXNz' });
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('identity with public keys (RS256 and ES256)', () => {
  for (const [alg, pair] of [
    ['RS256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ] as const) {
    it(`accepts a ${alg} token signed by the configured key and refuses another key's`, async () => {
      const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const gw = await startTestGateway({ env: { NODE_ENV: 'production', JWT_PUBLIC_KEY: pem } });
      try {
        const good = await new SignJWT({ sub: '7' }).setProtectedHeader({ alg }).setExpirationTime('5m').sign(pair.privateKey);
        const ok = await runPersisted(gw, 'CoarseFeed', { first: 1 }, { authorization: `Bearer ${good}` });
        expect(viewerOf(ok)).toEqual({ id: '7', anonymous: false });
        const other = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const bad = await new SignJWT({ sub: '7' }).setProtectedHeader({ alg }).setExpirationTime('5m').sign(other.privateKey);
        const refused = await runPersisted(gw, 'CoarseFeed', { first: 1 }, { authorization: `Bearer ${bad}` });
        expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
      } finally {
        await gw.close();
      }
    });
  }
});

describe('identity in development (headers)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  it('takes the viewer from x-user-id, never from an argument', async () => {
    const res = await runPersisted(gw, 'CoarseFeed', { first: 2 }, { 'x-user-id': '12' });
    expect(viewerOf(res)).toEqual({ id: '12', anonymous: false });
  });

  it('takes an anonymous session from x-session-id', async () => {
    const res = await runPersisted(gw, 'CoarseFeed', { first: 2 }, { 'x-session-id': 'abc-123' });
    expect(viewerOf(res)).toEqual({ id: 'abc-123', anonymous: true });
  });

  it('refuses a malformed x-user-id with UNAUTHENTICATED', async () => {
    const res = await runPersisted(gw, 'CoarseFeed', { first: 2 }, { 'x-user-id': 'a b' });
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  });
});
