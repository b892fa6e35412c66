import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { errorBody } from '../../src/errors.ts';
import { withRequestId } from '../../src/telemetry/use-telemetry.ts';

describe('request ids in error bodies', () => {
  it('leaves a result without errors as it is', () => {
    const result = { data: { a: 1 } };
    expect(withRequestId(result, 'r1')).toBe(result);
  });

  it('adds extensions.requestId to top-level and incremental errors, keeping the code', () => {
    const error = new GraphQLError('boom', { extensions: { code: 'BAD_USER_INPUT', http: { status: 200 } } });
    const tagged = withRequestId({ data: null, errors: [error] }, 'r2');
    expect(tagged.errors![0]).toBeInstanceOf(GraphQLError);
    expect(tagged.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', http: { status: 200 }, requestId: 'r2' });
    const part = withRequestId({ hasNext: false, incremental: [{ data: {}, path: [], errors: [error] }] }, 'r3');
    expect(part.incremental[0]!.errors[0]!.extensions.requestId).toBe('r3');
  });

  it('puts the request id in the HTTP layer error body when there is one', () => {
    expect(JSON.parse(errorBody('BAD_REQUEST', 'no', 'r4'))).toEqual({ errors: [{ message: 'no', extensions: { code: 'BAD_REQUEST', requestId: 'r4' } }] });
    expect(JSON.parse(errorBody('BAD_REQUEST', 'no'))).toEqual({ errors: [{ message: 'no', extensions: { code: 'BAD_REQUEST' } }] });
  });
});
