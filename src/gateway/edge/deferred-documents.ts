import {
  Kind,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { PersistedDocument, PersistedDocuments } from '../persisted-documents.ts';
import { compileDocument, type CompiledDocument } from './compiled-documents.ts';

/** One @defer fragment, run as a document of its own. */
export interface DeferredPart {
  readonly label: string | null;
  /** Response keys from the root to the object the fragment's fields belong to. */
  readonly path: readonly string[];
  readonly compiled: CompiledDocument;
}

/** A persisted query with @defer, split into what the first payload needs and the deferred parts. */
export interface DeferredDocument {
  readonly initial: CompiledDocument;
  readonly deferred: readonly DeferredPart[];
}

/**
 * Splits, once at start, each persisted query whose @defer fragments sit on objects reached
 * through plain fields (no lists, no nested @defer, no `if` argument) into an initial document
 * (the query without those fragments) and one document per fragment (its ancestors' fields,
 * with their arguments, around its selections), all compiled by graphql-jit. Run side by side
 * on one context (which shares the `feed` plan), they give exactly the payloads of @defer:
 * the initial data, then each fragment's fields at its path. Documents of any other shape are
 * left out and stay on Yoga's executor.
 */
export function compileDeferredQueries(schema: GraphQLSchema, persisted: PersistedDocuments): Map<string, DeferredDocument> {
  const out = new Map<string, DeferredDocument>();
  for (const doc of persisted.all()) {
    if (doc.operationType !== 'query' || !/@defer\b/.test(doc.text) || /@stream\b/.test(doc.text)) continue;
    let split: DeferredDocument | null;
    try {
      split = splitDeferred(schema, doc);
    } catch {
      split = null; // a part graphql-jit cannot compile: the document stays on Yoga
    }
    if (split) out.set(doc.id, split);
  }
  return out;
}

interface FoundDefer {
  readonly label: string | null;
  readonly ancestors: readonly FieldNode[];
  readonly fragment: InlineFragmentNode;
}

function splitDeferred(schema: GraphQLSchema, doc: PersistedDocument): DeferredDocument | null {
  const operation = doc.document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const root = schema.getQueryType();
  if (!operation || !root) return null;
  // A @defer inside a named fragment is not split here: such documents stay on Yoga.
  if (doc.document.definitions.some((d) => d.kind === Kind.FRAGMENT_DEFINITION && hasDefer(d))) return null;
  const found: FoundDefer[] = [];
  const initialSelection = withoutDefers(operation.selectionSet, root, [], found);
  if (!initialSelection || found.length === 0) return null;
  const initial = compileDocument(schema, replaceOperation(doc.document, operation, initialSelection), doc.operationName);
  const deferred = found.map((f): DeferredPart => {
    // The ancestors, each selecting only the next one, around the fragment's own selections.
    let selection: SelectionSetNode = f.fragment.selectionSet;
    for (const field of [...f.ancestors].reverse()) selection = { kind: Kind.SELECTION_SET, selections: [{ ...field, selectionSet: selection }] };
    return {
      label: f.label,
      path: f.ancestors.map((a) => a.alias?.value ?? a.name.value),
      compiled: compileDocument(schema, replaceOperation(doc.document, operation, selection), doc.operationName),
    };
  });
  return { initial, deferred };
}

/** The selection set without its @defer fragments (collected into `found`); null when a fragment is out of reach. */
function withoutDefers(set: SelectionSetNode, parent: GraphQLObjectType, ancestors: readonly FieldNode[], found: FoundDefer[]): SelectionSetNode | null {
  const kept: SelectionNode[] = [];
  for (const selection of set.selections) {
    const defer = selection.directives?.find((d) => d.name.value === 'defer');
    if (defer) {
      if (selection.kind !== Kind.INLINE_FRAGMENT) return null;
      if (selection.typeCondition && selection.typeCondition.name.value !== parent.name) return null;
      if (defer.arguments?.some((a) => a.name.value !== 'label')) return null;
      if (hasDefer(selection.selectionSet)) return null; // nested defers
      const label = defer.arguments?.find((a) => a.name.value === 'label')?.value;
      found.push({ label: label?.kind === Kind.STRING ? label.value : null, ancestors, fragment: selection });
      continue;
    }
    if (selection.kind === Kind.FIELD && selection.selectionSet) {
      const type = parent.getFields()[selection.name.value]?.type;
      if (!type) return null;
      const named = getNamedType(type);
      // Below a list a fragment would be deferred once per element: left to Yoga.
      if (isListType(getNullableType(type)) || !isObjectType(named)) {
        if (hasDefer(selection.selectionSet)) return null;
        kept.push(selection);
        continue;
      }
      const inner = withoutDefers(selection.selectionSet, named, [...ancestors, selection], found);
      if (!inner) return null;
      kept.push({ ...selection, selectionSet: inner });
      continue;
    }
    kept.push(selection);
  }
  return { ...set, selections: kept };
}

/** Whether a @defer directive appears anywhere below `node`. */
function hasDefer(node: object): boolean {
  return JSON.stringify(node).includes('"kind":"Directive","name":{"kind":"Name","value":"defer"');
}

function replaceOperation(document: DocumentNode, operation: OperationDefinitionNode, selectionSet: SelectionSetNode): DocumentNode {
  return { ...document, definitions: document.definitions.map((d) => (d === operation ? { ...operation, selectionSet } : d)) };
}
