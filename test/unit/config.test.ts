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

  it('reads the inference endpoints as a list of host:port', () => {
    expect(loadConfig({}).inference.endpoints).toEqual([]);
    expect(loadConfig({ INFERENCE_ENDPOINTS: '10.0.0.1:8001, gpu-2:8001' }).inference.endpoints).toEqual(['10.0.0.1:8001', 'gpu-2:8001']);
    expect(() => loadConfig({ INFERENCE_ENDPOINTS: 'gpu-1' })).toThrow(/INFERENCE_ENDPOINTS/);
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT=eighty/);
    expect(() => loadConfig({ BUDGET_HOME_MS: '0' })).toThrow(/BUDGET_HOME_MS/);
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'maybe' })).toThrow(/GRAPHQL_INTROSPECTION/);
    expect(() => loadConfig({ IDENTITY: 'cookie' })).toThrow(/IDENTITY/);
  });
});
