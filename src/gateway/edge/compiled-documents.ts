import { getOperationAST, isInputType, typeFromAST, valueFromAST, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import type { PersistedDocument, PersistedDocuments } from '../persisted-documents.ts';
import type { RequestContext } from '../request-context.ts';

/** One persisted query compiled to JavaScript, with its compiled serializer. */
export interface CompiledDocument {
  execute(context: RequestContext, variables: Record<string, unknown>): Promise<ExecutionResult>;
  /** JSON text of a result, by a serializer generated for this document's shape. */
  stringify(result: ExecutionResult): string;
}

/** Directives graphql-jit does not stream: documents that use them stay on Yoga's executor. */
const STREAMING_DIRECTIVE = /@(defer|stream)\b/;

/**
 * Compiles, once at start, every persisted query that does not stream (graphql-jit ignores
 * @defer and @stream: those documents stay on Yoga's executor, which streams them).
 * Mutations stay on Yoga too: they are few, and their errors are the ones clients read.
 */
export function compilePersistedQueries(schema: GraphQLSchema, persisted: PersistedDocuments): Map<string, CompiledDocument> {
  const compiled = new Map<string, CompiledDocument>();
  for (const doc of persisted.all()) {
    if (doc.operationType !== 'query' || STREAMING_DIRECTIVE.test(doc.text)) continue;
    const entry = compile(schema, doc);
    if (entry) compiled.set(doc.id, entry);
  }
  return compiled;
}

function compile(schema: GraphQLSchema, doc: PersistedDocument): CompiledDocument | null {
  return compileDocument(schema, doc.document, doc.operationName);
}

/** Compiles one operation of `document` (graphql-jit), with its variable defaults and serializer. */
export function compileDocument(schema: GraphQLSchema, document: DocumentNode, operationName: string): CompiledDocument {
  const query = compileQuery(schema, document, operationName, { customJSONSerializer: true });
  if (!isCompiledQuery(query)) throw new Error(`persisted document ${operationName} does not compile: ${query.errors?.map((e) => e.message).join('; ')}`);
  const defaults = variableDefaults(schema, document, operationName);
  return {
    execute: async (context, variables) => query.query(undefined, context, withDefaults(variables, defaults)),
    stringify: (result) => query.stringify(result),
  };
}

/**
 * Default values of the operation's variables. graphql-jit refuses a missing non-null
 * variable even when it has a default (`$surface: Surface! = HOME`), which the spec allows:
 * the defaults are filled in before it runs.
 */
function variableDefaults(schema: GraphQLSchema, document: DocumentNode, operationName: string): ReadonlyArray<readonly [string, unknown]> {
  const operation = getOperationAST(document, operationName);
  const defaults: Array<readonly [string, unknown]> = [];
  for (const definition of operation?.variableDefinitions ?? []) {
    if (!definition.defaultValue) continue;
    const type = typeFromAST(schema, definition.type);
    if (type && isInputType(type)) defaults.push([definition.variable.name.value, valueFromAST(definition.defaultValue, type)]);
  }
  return defaults;
}

function withDefaults(variables: Record<string, unknown>, defaults: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  let filled = variables;
  for (const [name, value] of defaults) {
    if (filled[name] !== undefined) continue;
    if (filled === variables) filled = { ...variables };
    filled[name] = value;
  }
  return filled;
}
