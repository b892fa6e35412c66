import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { negotiateFormat } from '../../src/gateway/edge/response-format.ts';
import { persistedParams, readGetRequest } from '../../src/gateway/edge/persisted-request.ts';
import { compilePersistedQueries } from '../../src/gateway/edge/compiled-documents.ts';
import { compileDeferredQueries } from '../../src/gateway/edge/deferred-documents.ts';
import { loadPersistedDocuments, type PersistedDocuments } from '../../src/gateway/persisted-documents.ts';
import { buildSchema } from '../../src/gateway/yoga.ts';

describe('negotiateFormat', () => {
  it('picks the first listed form Yoga can write, ignoring parameters', () => {
    expect(negotiateFormat(undefined)).toBe('application/json');
    expect(negotiateFormat('*/*')).toBe('application/json');
    expect(negotiateFormat('multipart/mixed;deferSpec=20220824, application/json')).toBe('multipart/mixed');
    expect(negotiateFormat('application/graphql-response+json, application/json;q=0.9')).toBe('application/graphql-response+json');
    expect(negotiateFormat('text/html, text/event-stream')).toBe('text/event-stream');
  });

  it('leaves other wildcards and unknown forms to Yoga', () => {
    expect(negotiateFormat('application/*')).toBeNull();
    expect(negotiateFormat('text/html')).toBeNull();
  });

  it('answers the same for an Accept header seen before, also after more distinct headers than it remembers', () => {
    const accept = 'multipart/mixed;deferSpec=20220824, application/json';
    expect(negotiateFormat(accept)).toBe('multipart/mixed');
    for (let i = 0; i < 600; i++) expect(negotiateFormat(`text/x-${i}, application/json`)).toBe('application/json');
    expect(negotiateFormat(accept)).toBe('multipart/mixed');
    expect(negotiateFormat('image/*')).toBeNull();
    expect(negotiateFormat('image/*')).toBeNull();
    expect(negotiateFormat('   ')).toBe('application/json');
  });
});

describe('persisted request parsing', () => {
  it('reads documentId or the Apollo hash, and refuses to take over free text', () => {
    expect(persistedParams({ documentId: 'sha256:ab', variables: { first: 2 } })).toEqual({ documentId: 'sha256:ab', variables: { first: 2 }, operationName: null });
    expect(persistedParams({ extensions: { persistedQuery: { version: 1, sha256Hash: 'ab' } } })?.documentId).toBe('ab');
    expect(persistedParams({ extensions: { persistedQuery: { version: 2, sha256Hash: 'ab' } } })).toBeNull();
    expect(persistedParams({ documentId: 'sha256:ab', query: '{ x }' })).toBeNull();
    expect(persistedParams({ documentId: 'sha256:ab', variables: [1] })).toBeNull();
  });

  it('reads the GET form from the query string', () => {
    const request = readGetRequest(`/graphql?documentId=sha256%3Aab&variables=${encodeURIComponent('{"first":3}')}`);
    expect(request.persisted).toEqual({ documentId: 'sha256:ab', variables: { first: 3 }, operationName: null });
    expect(readGetRequest('/graphql').persisted).toBeNull();
  });
});

describe('compilePersistedQueries', () => {
  const schema = buildSchema();
  const persisted = loadPersistedDocuments(new URL('../../persisted-queries/manifest.json', import.meta.url).pathname, schema);
  const compiled = compilePersistedQueries(schema, persisted);

  it('compiles every query without @defer, and nothing else', () => {
    const names = [...persisted.all()].filter((d) => compiled.has(d.id)).map((d) => d.operationName).sort();
    expect(names).toEqual(['CoarseFeed', 'ItemDetail', 'Trending']);
  });

  it('applies variable defaults that graphql-jit would refuse to ($surface: Surface! = HOME)', async () => {
    const coarse = [...persisted.all()].find((d) => d.operationName === 'CoarseFeed')!;
    let seen: unknown;
    const services = new Proxy({}, { get: () => undefined });
    // The feed resolver reads the surface argument before touching any service.
    const result = await compiled.get(coarse.id)!.execute(
      { viewer: { id: '', userId: null, sessionId: null, anonymous: true, key: null }, loaders: {} as never, services: services as never },
      {},
    ).catch((error: unknown) => (seen = error));
    expect(seen).toBeUndefined();
    expect(JSON.stringify(result)).not.toContain('was not provided');
  });
});

describe('compileDeferredQueries', () => {
  it('splits HomeFeed into its initial document and the refined part at feed, and nothing else', () => {
    const schema = buildSchema();
    const persisted = loadPersistedDocuments(new URL('../../persisted-queries/manifest.json', import.meta.url).pathname, schema);
    const split = compileDeferredQueries(schema, persisted);
    const home = [...persisted.all()].find((d) => d.operationName === 'HomeFeed')!;
    expect([...split.keys()]).toEqual([home.id]);
    expect(split.get(home.id)!.deferred.map((p) => ({ label: p.label, path: p.path }))).toEqual([{ label: 'refined', path: ['feed'] }]);
  });

  it('leaves a @defer below a list, with an `if` argument, or nested, to Yoga', () => {
    const schema = buildSchema();
    const texts = [
      'query A { trending(first: 2) { ... @defer { item { id } } } }',
      'query B($x: Boolean!) { feed(first: 2) { ... @defer(if: $x) { refined { stage } } } }',
      'query C { feed(first: 2) { ... @defer { coarse { stage } ... @defer { refined { stage } } } } }',
      // The control: the same shape with a plain @defer is split.
      'query D { feed(first: 2) { ... @defer { refined { stage } } } }',
    ];
    const docs = texts.map((text, i) => ({ id: `sha256:${i}`, text, document: parse(text), operationName: 'ABCD'[i]!, operationType: 'query' as const }));
    const persisted = { all: () => docs.values() } as unknown as PersistedDocuments;
    expect([...compileDeferredQueries(schema, persisted).keys()]).toEqual(['sha256:3']);
  });
});
