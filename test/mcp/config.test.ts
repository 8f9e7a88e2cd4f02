// MCP_ALLOWED_ORIGINS: origins only (no `*`, no paths), compared in lower case; empty by default.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('MCP_ALLOWED_ORIGINS', () => {
  it('is a list of origins, trailing slashes dropped, lower case', () => {
    expect(loadConfig({}).mcpAllowedOrigins).toEqual([]);
    expect(loadConfig({ MCP_ALLOWED_ORIGINS: 'http://localhost:6274/, https://Agents.Example.com' }).mcpAllowedOrigins).toEqual(['http://localhost:6274', 'https://agents.example.com']);
  });

  it('refuses a wildcard or anything that is not an origin', () => {
    for (const bad of ['*', 'https://*.example.com', 'agents.example.com', 'https://example.com/path']) {
      expect(() => loadConfig({ MCP_ALLOWED_ORIGINS: bad }), bad).toThrow(ConfigError);
    }
  });
});
