import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, gatewayError } from '../../src/errors.ts';

describe('error catalogue', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it.each(Object.keys(ERRORS))('documents %s in the README', (code) => {
    expect(readme).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|`));
  });

  it('builds GraphQL errors carrying the code and the HTTP status', () => {
    const error = gatewayError('PAYLOAD_TOO_LARGE', 'too big', { limit: 1 });
    expect(error.extensions).toEqual({ code: 'PAYLOAD_TOO_LARGE', limit: 1, http: { status: 413 } });
  });
});
