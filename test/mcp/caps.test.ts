// Results sized for a model's context: a group with a 250 KB traceback and 100 breadcrumbs stays under the caps, with notes.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPS } from '../../src/mcp/result.js';
import { connect, OPERATOR, startLive, type Live } from './live.js';

let live: Live;
let client: Client;
let bigId: number;

type Result = { content: Array<{ type: string; text: string }>; structuredContent?: Record<string, any>; isError?: boolean };
const call = async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as Result;

/** A Python traceback of about `bytes` bytes, its crash frame last. */
function hugeTraceback(bytes: number): string {
  const lines = ['Traceback (most recent call last):'];
  for (let i = 0; lines.join('\n').length < bytes - 200; i++) lines.push(`  File "/srv/app/deep/module_${i}.py", line ${i + 1}, in step_${i}\n    step_${i + 1}(payload, "${'x'.repeat(60)}")`);
  lines.push('  File "/srv/app/orders.py", line 12, in place_order', '    qty = int(raw)', 'ValueError: bad quantity');
  return lines.join('\n');
}

beforeAll(async () => {
  live = await startLive({ MAX_BODY_BYTES: String(2 * 1024 * 1024) });
  const traceback = hugeTraceback(250 * 1024);
  expect(traceback.length).toBeGreaterThanOrEqual(250 * 1024 - 300);
  const breadcrumbs = Array.from({ length: 100 }, (_, i) => ({ timestamp: 1767225600 + i, category: 'log', message: `step ${i} ${'m'.repeat(300)}`, data: { i, blob: 'd'.repeat(100) } }));
  const report = {
    project: 'shop',
    exception_type: 'ValueError',
    message: `bad quantity ${'q'.repeat(8000)}`,
    traceback,
    breadcrumbs,
    user: { id: 'u-1', email: 'ada@example.com' },
    tags: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`tag_${i}`, `value ${'v'.repeat(100)}`])),
    contexts: { app: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'c'.repeat(100)])) },
    request_url: `https://shop.example.com/checkout?${'p'.repeat(4000)}`,
    request_method: 'POST',
    request_headers: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x-header-${i}`, 'h'.repeat(300)])),
    release: 'shop@2.0.0',
  };
  for (let i = 0; i < 5; i++) bigId = (await live.api('/api/errors', { method: 'POST', body: JSON.stringify(report) })).id;
  for (let i = 0; i < 40; i++) {
    await live.api('/api/errors', { method: 'POST', body: JSON.stringify({ project: 'shop', exception_type: `Error${i}`, message: `${i} ${'w'.repeat(8000)}` }) });
  }
  client = await connect(live.server.url, OPERATOR);
}, 120_000);
afterAll(async () => {
  await client?.close();
  await live?.stop();
});

const size = (r: Result) => ({ text: r.content.map((c) => c.text).join('').length, structured: JSON.stringify(r.structuredContent).length });

describe('result caps', () => {
  it('the group was stored big: the premise of the test', async () => {
    const api = await live.api(`/api/errors/${bigId}`);
    expect(api.error.traceback.length).toBeGreaterThan(250_000);
    expect(api.occurrences[0].breadcrumbs).toHaveLength(100);
  });

  it('get_error stays under the cap, keeps the crash frame and says what it cut', async () => {
    const r = await call('get_error', { id: bigId });
    const { text, structured } = size(r);
    expect(text).toBeLessThanOrEqual(CAPS.result);
    expect(structured).toBeLessThanOrEqual(CAPS.result);
    const s = r.structuredContent!;
    expect(s.crash_frame).toMatchObject({ file: '/srv/app/orders.py', line: 12, function: 'place_order' });
    expect(s.traceback.length).toBeLessThanOrEqual(CAPS.traceback);
    expect(s.traceback).toContain('ValueError: bad quantity');
    expect(s.latest_occurrence.breadcrumbs).toHaveLength(CAPS.breadcrumbs);
    expect(s.latest_occurrence.breadcrumbs.at(-1).message).toMatch(/^step 99 /);
    expect(s.notes).toEqual(expect.arrayContaining([expect.stringMatching(/^traceback cut from \d+ to 4000 characters/), `breadcrumbs: the last ${CAPS.breadcrumbs} of 100`, expect.stringMatching(/^message cut from/)]));
    expect(r.content[0]!.text).toContain('Notes: ');
    expect(r.content[0]!.text).toContain(`breadcrumbs: the last ${CAPS.breadcrumbs} of 100`);
  });

  it('get_occurrences and list_errors stay under the cap too', async () => {
    const occ = await call('get_occurrences', { id: bigId });
    expect(occ.structuredContent!.occurrences).toHaveLength(5);
    const list = await call('list_errors', { limit: 50 });
    expect(list.structuredContent!.errors).toHaveLength(41);
    for (const r of [occ, list]) {
      const { text, structured } = size(r);
      expect(text).toBeLessThanOrEqual(CAPS.result);
      expect(structured).toBeLessThanOrEqual(CAPS.result);
      expect(r.structuredContent!.notes.length).toBeGreaterThan(0);
    }
  });
});
