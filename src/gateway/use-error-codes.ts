import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { withExtensions, type ErrorCode } from '../errors.ts';

function withCode(error: GraphQLError, code: ErrorCode): GraphQLError {
  return error.extensions?.code ? error : withExtensions(error, { code });
}

/**
 * Gives graphql-js's own errors a catalogued code: validation errors of free-text queries
 * (GRAPHQL_VALIDATION_FAILED) and variables that do not coerce (BAD_USER_INPUT). Errors that
 * already carry a code, ours and Yoga's, pass unchanged.
 */
export function useErrorCodes(): Plugin {
  return {
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length > 0) setResult(result.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED')));
      };
    },
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          // A result without data failed before execution started: variable coercion.
          if (Symbol.asyncIterator in result || result.data !== undefined || !result.errors) return;
          setResult({ ...result, errors: result.errors.map((error) => withCode(error, 'BAD_USER_INPUT')) });
        },
      };
    },
  };
}
