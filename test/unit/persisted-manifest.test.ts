import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { documentIdOf, persistedManifestPlugin } from '../../src/codegen/persisted-manifest-plugin.ts';
import { loadPersistedDocuments } from '../../src/gateway/persisted-documents.ts';
import { buildSchema } from '../../src/gateway/yoga.ts';
import { MANIFEST_PATH } from '../../src/gateway/gateway.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('persisted-documents manifest', () => {
  it('keys every document by the SHA-256 of its exact text', () => {
    const manifest = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as Record<string, string>;
    const names = Object.values(manifest).map((text) => /^(?:query|mutation) (\w+)/.exec(text)?.[1]);
    expect(names.sort()).toEqual(['CoarseFeed', 'HomeFeed', 'ItemDetail', 'RecordEvent', 'Trending']);
    for (const [id, text] of Object.entries(manifest)) {
      expect(id).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
    }
  });

  it('includes the fragments an operation reaches, and only those', () => {
    const doc = parse(`
      query A { feed { coarse { ...R } } }
      query B { trending { position } }
      fragment R on Ranking { stage items { ...I } }
      fragment I on Recommendation { position }
      fragment Unused on Item { id }`);
    const manifest = JSON.parse(persistedManifestPlugin.plugin(null, [{ document: doc }])) as Record<string, string>;
    const a = Object.values(manifest).find((t) => t.startsWith('query A'))!;
    expect(a).toContain('fragment R on Ranking');
    expect(a).toContain('fragment I on Recommendation');
    expect(a).not.toContain('Unused');
    expect(documentIdOf(a)).toBe(Object.keys(manifest).find((k) => manifest[k] === a));
  });

  it('loads, checks and validates the committed manifest at start', () => {
    const docs = loadPersistedDocuments(MANIFEST_PATH.pathname, buildSchema());
    expect(docs.size).toBe(5);
    const home = [...docs.all()].find((d) => d.operationName === 'HomeFeed')!;
    expect(docs.get(home.id.slice('sha256:'.length))).toBe(home);
  });

  it('refuses a manifest whose hash does not match its text, or whose document does not validate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, JSON.stringify({ [documentIdOf('query X { trending { position } }')]: 'query X { trending { score } }' }));
    expect(() => loadPersistedDocuments(tampered, buildSchema())).toThrow(/does not match/);
    const invalid = join(dir, 'invalid.json');
    const text = 'query Y { nope }';
    writeFileSync(invalid, JSON.stringify({ [documentIdOf(text)]: text }));
    expect(() => loadPersistedDocuments(invalid, buildSchema())).toThrow(/does not validate/);
  });
});
