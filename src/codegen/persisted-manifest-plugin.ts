import { createHash } from 'node:crypto';
import { Kind, print, visit } from 'graphql';
import type { DocumentNode, FragmentDefinitionNode, OperationDefinitionNode } from 'graphql';

/** Shape of the documents codegen hands a plugin (only what this plugin reads). */
interface DocumentFile {
  readonly document?: DocumentNode;
  readonly location?: string;
}

/** The manifest's key for a document text: GraphQL-over-HTTP's "sha256:<hex>" form. */
export function documentIdOf(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/**
 * GraphQL Code Generator plugin writing `persisted-queries/manifest.json`: a flat map from
 * document id to the exact text hashed. One entry per operation; each text holds the
 * operation and the fragments it reaches, printed canonically so formatting edits in the
 * .graphql files do not change ids needlessly.
 */
export const persistedManifestPlugin = {
  plugin(_schema: unknown, documents: readonly DocumentFile[]): string {
    const operations: OperationDefinitionNode[] = [];
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const file of documents) {
      for (const definition of file.document?.definitions ?? []) {
        if (definition.kind === Kind.OPERATION_DEFINITION) {
          if (!definition.name) throw new Error(`${file.location}: persisted operations must be named`);
          operations.push(definition);
        } else if (definition.kind === Kind.FRAGMENT_DEFINITION) {
          fragments.set(definition.name.value, definition);
        }
      }
    }
    operations.sort((a, b) => a.name!.value.localeCompare(b.name!.value));
    const manifest: Record<string, string> = {};
    for (const operation of operations) {
      const text = print({ kind: Kind.DOCUMENT, definitions: [operation, ...reachableFragments(operation, fragments)] });
      manifest[documentIdOf(text)] = text;
    }
    return `${JSON.stringify(manifest, null, 2)}\n`;
  },
};

function reachableFragments(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): FragmentDefinitionNode[] {
  const seen = new Map<string, FragmentDefinitionNode>();
  const pending: Array<OperationDefinitionNode | FragmentDefinitionNode> = [operation];
  while (pending.length > 0) {
    visit(pending.pop()!, {
      FragmentSpread(node) {
        const name = node.name.value;
        if (seen.has(name)) return;
        const fragment = fragments.get(name);
        if (!fragment) throw new Error(`unknown fragment ${name}`);
        seen.set(name, fragment);
        pending.push(fragment);
      },
    });
  }
  return [...seen.values()].sort((a, b) => a.name.value.localeCompare(b.name.value));
}
