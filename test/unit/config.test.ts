import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('loadConfig', () => {
  it('defaults to development on port 4000 with the issue’s budgets', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.production).toBe(false);
    expect(config.allowFreeTextQueries).toBe(true);
    expect(config.introspection).toBe(true);
    expect(config.identity).toBe('headers');
    expect(config.budgetsMs).toEqual({ HOME: 150, ITEM_DETAIL: 100, SEARCH: 100, CHECKOUT: 50 });
  });

  it('turns free text and introspection off in production and needs a JWT key there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 's' });
    expect(config.allowFreeTextQueries).toBe(false);
    expect(config.introspection).toBe(false);
    expect(config.identity).toBe('jwt');
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT=eighty/);
    expect(() => loadConfig({ BUDGET_HOME_MS: '0' })).toThrow(/BUDGET_HOME_MS/);
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'maybe' })).toThrow(/GRAPHQL_INTROSPECTION/);
    expect(() => loadConfig({ IDENTITY: 'cookie' })).toThrow(/IDENTITY/);
  });
});
