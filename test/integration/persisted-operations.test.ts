import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentId, errorCodes, postGraphQL, runPersisted, startTestGateway, type TestGateway } from '../fixtures/gateway-harness.ts';

const INTROSPECTION = '{ __schema { queryType { name } } }';

describe('persisted operations (development mode)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  it('runs a document by GraphQL-over-HTTP documentId', async () => {
    const res = await runPersisted(gw, 'ItemDetail', { id: '1' });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.item).toMatchObject({ id: '1', title: gw.artifacts.items[0]!.title });
  });

  it("runs a document by Apollo's persistedQuery sha256Hash (bare hex)", async () => {
    const hex = documentId('ItemDetail').slice('sha256:'.length);
    const res = await postGraphQL(gw, { variables: { id: '2' }, extensions: { persistedQuery: { version: 1, sha256Hash: hex } } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.item.id).toBe('2');
  });

  it('runs a query by GET with documentId and variables in the query string', async () => {
    const url = `${gw.graphqlUrl}?documentId=${encodeURIComponent(documentId('Trending'))}&variables=${encodeURIComponent('{"first":3}')}`;
    const res = await fetch(url, { headers: { accept: 'application/graphql-response+json' } });
    const body = (await res.json()) as any;
    expect(res.status).toBe(200);
    expect(body.data.trending).toHaveLength(3);
    expect(body.data.trending.map((r: any) => r.position)).toEqual([1, 2, 3]);
  });

  it('refuses a mutation over GET', async () => {
    const variables = encodeURIComponent(JSON.stringify({ input: { itemId: '1', type: 'CLICK' } }));
    const res = await fetch(`${gw.graphqlUrl}?documentId=${encodeURIComponent(documentId('RecordEvent'))}&variables=${variables}`, {
      headers: { accept: 'application/graphql-response+json', 'x-session-id': 'get-mutation' },
    });
    expect(res.status).toBe(405);
    const body = (await res.json()) as any;
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(body.data).toBeUndefined();
  });

  it('answers an unknown document id with PERSISTED_QUERY_NOT_IN_LIST', async () => {
    const res = await postGraphQL(gw, { documentId: `sha256:${'0'.repeat(64)}` });
    expect(errorCodes(res)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    expect(res.body.data ?? null).toBeNull();
  });

  it('answers a request naming no document with PERSISTED_QUERY_ID_REQUIRED', async () => {
    const res = await postGraphQL(gw, { variables: {} });
    expect(errorCodes(res)).toEqual(['PERSISTED_QUERY_ID_REQUIRED']);
  });

  it('accepts free-text queries and introspection in development', async () => {
    const res = await postGraphQL(gw, { query: INTROSPECTION });
    expect(res.body.data?.__schema.queryType.name).toBe('Query');
    const text = await postGraphQL(gw, { query: '{ item(id: "3") { id } }' });
    expect(text.body.data?.item.id).toBe('3');
  });

  it('refuses free-text queries nested deeper than MAX_QUERY_DEPTH', async () => {
    const deep = `{ feed { ${'coarse { items { item { id } } }'} } }`; // depth 5
    const shallow = await startTestGateway({ env: { MAX_QUERY_DEPTH: '4' } });
    try {
      const res = await postGraphQL(shallow, { query: deep });
      expect(errorCodes(res)).toContain('QUERY_TOO_DEEP');
      expect(res.body.data ?? null).toBeNull();
    } finally {
      await shallow.close();
    }
  });
});

describe('persisted operations (production mode)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { NODE_ENV: 'production', JWT_SECRET: 'test-secret-test-secret-test-secret' } });
  });
  afterAll(() => gw.close());

  it('refuses free-text queries with PERSISTED_QUERY_ONLY', async () => {
    const res = await postGraphQL(gw, { query: '{ item(id: "1") { id } }' });
    expect(errorCodes(res)).toEqual(['PERSISTED_QUERY_ONLY']);
    expect(res.body.data ?? null).toBeNull();
  });

  it('refuses introspection (it cannot be sent as free text, and is off by default)', async () => {
    const res = await postGraphQL(gw, { query: INTROSPECTION });
    expect(errorCodes(res)).toEqual(['PERSISTED_QUERY_ONLY']);
  });

  it('still serves persisted documents', async () => {
    const res = await runPersisted(gw, 'Trending', { first: 2 });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.trending).toHaveLength(2);
  });

  it('does not serve GraphiQL', async () => {
    const res = await fetch(gw.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(await res.text()).not.toContain('GraphiQL');
  });
});

describe('introspection switch', () => {
  it('refuses introspection with INTROSPECTION_DISABLED when free text is allowed but introspection is off', async () => {
    const gw = await startTestGateway({ env: { GRAPHQL_INTROSPECTION: 'false' } });
    try {
      const res = await postGraphQL(gw, { query: INTROSPECTION });
      expect(errorCodes(res)).toEqual(['INTROSPECTION_DISABLED']);
      const typename = await postGraphQL(gw, { query: '{ __typename }' });
      expect(typename.body.data?.__typename).toBe('Query');
    } finally {
      await gw.close();
    }
  });
});

describe('free-text validation errors', () => {
  it('carry GRAPHQL_VALIDATION_FAILED', async () => {
    const gw = await startTestGateway();
    try {
      const res = await postGraphQL(gw, { query: '{ item(id: "1") { nope } }' });
      expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(res.body.data ?? null).toBeNull();
    } finally {
      await gw.close();
    }
  });
});
