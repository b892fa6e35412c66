import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { getOperationAST, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type OperationTypeNode } from 'graphql';

/** A trusted document, parsed and validated once at start. */
export interface PersistedDocument {
  /** "sha256:<hex>" */
  readonly id: string;
  readonly text: string;
  readonly document: DocumentNode;
  readonly operationName: string;
  readonly operationType: OperationTypeNode;
}

/** The manifest in memory: look-ups by "sha256:<hex>" or bare hex (Apollo's form). */
export class PersistedDocuments {
  private readonly byId = new Map<string, PersistedDocument>();

  constructor(documents: readonly PersistedDocument[]) {
    for (const doc of documents) this.byId.set(doc.id, doc);
  }

  /** Accepts "sha256:<hex>" or bare 64-hex (Apollo); anything else is simply not found. */
  get(id: string): PersistedDocument | undefined {
    return this.byId.get(id.length === 64 ? `sha256:${id}` : id);
  }

  get size(): number {
    return this.byId.size;
  }

  all(): IterableIterator<PersistedDocument> {
    return this.byId.values();
  }
}

/**
 * Reads `manifest.json` ({"sha256:<hex>": "<text>"}), checks every hash, parses and validates
 * every document against `schema`. Runs at start (and reload); throws naming the bad entry,
 * so a broken manifest stops the start instead of failing requests.
 */
export function loadPersistedDocuments(manifestPath: string, schema: GraphQLSchema): PersistedDocuments {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  const documents: PersistedDocument[] = [];
  for (const [id, text] of Object.entries(manifest)) {
    if (typeof text !== 'string') throw new Error(`${manifestPath}: ${id} is not a string`);
    const expected = `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
    if (id !== expected) throw new Error(`${manifestPath}: ${id} does not match the SHA-256 of its text (${expected})`);
    const document = parse(text, { noLocation: false });
    const errors = validate(schema, document, specifiedRules);
    if (errors.length > 0) throw new Error(`${manifestPath}: ${id} does not validate: ${errors.map((e) => e.message).join('; ')}`);
    const operation = getOperationAST(document);
    if (!operation?.name) throw new Error(`${manifestPath}: ${id} must hold exactly one named operation`);
    documents.push({ id, text, document, operationName: operation.name.value, operationType: operation.operation });
  }
  return new PersistedDocuments(documents);
}
