// The MCP Inspector's command-line mode (what agents' authors check servers with) lists and calls the tools of a live service.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { richEvent, startLive, type Live } from './live.js';

const INSPECTOR = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js', import.meta.url));
const run = promisify(execFile);

let live: Live;
let token: string;
let shopId: number;

/** `mcp-inspector --cli <url> ...` with the token as a header; its catalog file kept in the test's directory. */
async function inspector(token: string, ...args: string[]): Promise<{ stdout: string; code: number }> {
  const env = { PATH: process.env.PATH ?? '', HOME: live.dir, MCP_CATALOG_PATH: join(live.dir, 'inspector-catalog.json') };
  try {
    const { stdout } = await run(process.execPath, [INSPECTOR, '--cli', `${live.server.url}/mcp`, '--header', `Authorization: Bearer ${token}`, ...args], { env, timeout: 60_000 });
    return { stdout, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; code?: number };
    return { stdout: e.stdout ?? '', code: e.code ?? 1 };
  }
}

beforeAll(async () => {
  live = await startLive();
  shopId = await live.sentryEvent('shop', richEvent());
  token = await live.createToken({ kind: 'agent', name: 'inspector', scopes: ['read', 'triage'] });
});
afterAll(async () => {
  await live?.stop();
});

describe('MCP Inspector --cli', () => {
  it('lists the tools with their schemas', async () => {
    const { stdout, code } = await inspector(token, '--method', 'tools/list');
    expect(code).toBe(0);
    const { tools } = JSON.parse(stdout) as { tools: Array<{ name: string; inputSchema: { type: string } }> };
    expect(tools.map((t) => t.name).sort()).toEqual(['get_error', 'get_occurrences', 'ignore_error', 'list_errors', 'list_projects', 'list_releases', 'reopen_error', 'resolve_error']);
    expect(tools.every((t) => t.inputSchema.type === 'object')).toBe(true);
  }, 90_000);

  it('calls get_error and list_errors, with arguments, and gets the group the API has', async () => {
    const got = await inspector(token, '--method', 'tools/call', '--tool-name', 'get_error', '--tool-arg', `id=${shopId}`);
    expect(got.code).toBe(0);
    const result = JSON.parse(got.stdout) as { content: Array<{ text: string }>; structuredContent: { group: { id: number; count: number } }; isError?: boolean };
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.group).toMatchObject({ id: shopId, count: (await live.api(`/api/errors/${shopId}`)).error.count });
    expect(result.content[0]!.text).toContain('CheckoutError: cart could not be priced');

    const listed = await inspector(token, '--method', 'tools/call', '--tool-name', 'list_errors', '--tool-arg', 'project=shop', 'limit=5');
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { structuredContent: { errors: Array<{ id: number }> } }).structuredContent.errors.map((e) => e.id)).toEqual([shopId]);
  }, 90_000);

  it('is refused with an upload token', async () => {
    const upload = await live.createToken({ kind: 'upload', name: 'ci' });
    const { stdout, code } = await inspector(upload, '--method', 'tools/list');
    expect(code).not.toBe(0);
    expect(stdout).not.toContain('list_errors');
  }, 90_000);
});
