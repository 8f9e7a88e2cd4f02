// The README's MCP section works as printed: its curl makes a least-scope token, its agent configurations parse and connect.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, OPERATOR, startLive, type Live } from './live.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const SECTION = README.slice(README.indexOf('## Coding agents (MCP)'), README.indexOf('\n## ', README.indexOf('## Coding agents (MCP)') + 5));
const BASE = 'https://errors.example.com';
const blocks = (lang: string) => [...SECTION.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

let live: Live;
beforeAll(async () => {
  live = await startLive();
});
afterAll(async () => {
  await live?.stop();
});

describe('README: Coding agents (MCP)', () => {
  it('its curl creates a read-only token limited to one project, which then connects', async () => {
    const curl = blocks('bash')[0]!;
    expect(curl).toContain('curl');
    const { stdout } = await promisify(execFile)('bash', ['-c', curl.replaceAll(BASE, live.server.url)], { env: { PATH: process.env.PATH ?? '', API_KEY: OPERATOR } });
    const created = JSON.parse(stdout) as { token: string; scopes: string[]; projects: string[]; kind: string };
    expect(created).toMatchObject({ kind: 'agent', scopes: ['read'], projects: ['shop'] });
    const client = await connect(live.server.url, created.token);
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('resolve_error');
    await client.close();
  });

  it('the Cursor and VS Code configurations are valid JSON naming /mcp and a bearer header', () => {
    const configs = blocks('json').map((b) => JSON.parse(b) as Record<string, Record<string, { url: string; type?: string; headers: Record<string, string> }>>);
    expect(configs).toHaveLength(2);
    const [cursor, vscode] = [configs[0]!.mcpServers!['error-tracker']!, configs[1]!.servers!['error-tracker']!];
    for (const server of [cursor, vscode]) {
      expect(server.url).toBe(`${BASE}/mcp`);
      expect(server.headers.Authorization).toMatch(/^Bearer \$\{(env|input):[\w-]+\}$/);
    }
    expect(vscode.type).toBe('http');
    expect(blocks('bash')[1]).toMatch(/^claude mcp add --transport http error-tracker https:\/\/errors\.example\.com\/mcp \\\n\s+--header "Authorization: Bearer \$ERROR_TRACKER_TOKEN"\n$/);
  });
});
