// /mcp on bad input: clear errors with the right 4xx, never a 500; bad tool arguments are the model's error, not the server's.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

let t: TestApp;
let token: string;
beforeEach(async () => {
  t = await buildTestApp();
  await postError(t.app, report());
  token = (await t.app.inject({ method: 'POST', url: '/api/tokens', headers: auth, payload: { kind: 'agent', name: 'bot', scopes: ['read', 'triage'] } })).json().token;
});
afterEach(async () => {
  await t.close();
});

const ACCEPT = 'application/json, text/event-stream';
const post = (payload: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/mcp', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: ACCEPT, 'mcp-protocol-version': '2025-11-25', ...headers }, payload });
const rpc = (method: string, params: unknown, id: number | null = 1) => JSON.stringify({ jsonrpc: '2.0', ...(id === null ? {} : { id }), method, params });

describe('/mcp input', () => {
  it('malformed bodies, media types and Accept headers get 4xx with a JSON body', async () => {
    const cases: Array<[string, Record<string, string>, number]> = [
      ['{not json', {}, 400],
      ['{"hello":"world"}', {}, 400],
      ['', {}, 400],
      [rpc('tools/list', {}), { 'content-type': 'text/xml' }, 415],
      [rpc('tools/list', {}), { accept: 'application/json' }, 406],
    ];
    for (const [payload, headers, status] of cases) {
      const res = await post(payload, headers);
      expect(res.statusCode, `${payload} ${JSON.stringify(headers)}`).toBe(status);
      expect(() => res.json(), payload).not.toThrow();
    }
    expect(t.logs()).not.toContain('"level":"error"');
  });

  it('a notification is accepted with 202; stateless requests need no session', async () => {
    expect((await post(rpc('notifications/initialized', undefined, null))).statusCode).toBe(202);
    const list = await post(rpc('tools/list', {}));
    expect(list.statusCode).toBe(200);
    expect(list.headers['mcp-session-id']).toBeUndefined();
    expect(list.json().result.tools).toHaveLength(8);
  });

  it('bad tool arguments and unknown tools are errors for the model, never a 500', async () => {
    for (const args of [{ id: -1 }, { id: 'abc' }, {}, { id: 1.5 }]) {
      const res = await post(rpc('tools/call', { name: 'get_error', arguments: args }));
      expect(res.statusCode, JSON.stringify(args)).toBe(200);
      const body = res.json();
      expect(body.error ?? body.result.isError, JSON.stringify(args)).toBeTruthy();
    }
    const unknown = (await post(rpc('tools/call', { name: 'drop_database', arguments: {} }))).json();
    expect(unknown.error ?? unknown.result?.isError).toBeTruthy();
    const ignoreTwo = (await post(rpc('tools/call', { name: 'ignore_error', arguments: { id: 1, until_count: 5, until_users: 2 } }))).json();
    expect(ignoreTwo.result).toMatchObject({ isError: true, content: [{ text: 'Give at most one of until_count, until, until_users' }] });
    expect(t.logs()).not.toContain('"level":"error"');
  });
});
