// The triage tools on issue 18's routes (branch h3: ignore, resolve in a release, reopen, status, sort, users): through the SDK client, checked against the API.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, richEvent, startLive, type Live } from './live.js';

let live: Live;
let client: Client;
let shopId: number;
let bareId: number;

type Result = { content: Array<{ type: string; text: string }>; structuredContent?: Record<string, any>; isError?: boolean };
const call = async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as Result;
const group = async (id: number) => (await live.api(`/api/errors/${id}`)).error;
const ids = (r: Result) => r.structuredContent!.errors.map((e: { id: number }) => e.id);

beforeAll(async () => {
  live = await startLive();
  shopId = await live.sentryEvent('shop', richEvent({ release: '1.0.0' }));
  await live.sentryEvent('shop', richEvent({ release: '1.1.0', user: { id: 'u-2' } }));
  bareId = (await live.api('/api/errors', { method: 'POST', body: JSON.stringify({ project: 'blog', exception_type: 'NoRelease', message: 'never released' }) })).id;
  client = await connect(live.server.url, await live.createToken({ kind: 'agent', name: 'triager', scopes: ['read', 'triage'] }));
});
afterAll(async () => {
  await client?.close();
  await live?.stop();
});

describe('triage tools on issue 18', () => {
  it('get_error shows the first release, status and users affected as the API has them', async () => {
    const s = (await call('get_error', { id: shopId })).structuredContent!;
    const api = await live.api(`/api/errors/${shopId}`);
    expect(s.group).toMatchObject({ first_release: '1.0.0', last_release: '1.1.0', status: 'unresolved' });
    expect(s.group.users).toEqual(api.users_affected);
    expect(api.users_affected.total).toBe(2);
  });

  it('resolve_error in the next release: resolved in the current one, reopened by a newer one only', async () => {
    const r = await call('resolve_error', { id: shopId, in_release: 'next' });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ status: 'resolved', reply: { resolved_in: '1.1.0' } });
    expect(r.structuredContent!.notes).toBeUndefined();
    expect(r.content[0]!.text).toContain('now resolved in 1.1.0');
    expect(await group(shopId)).toMatchObject({ status: 'resolved', resolved_in: '1.1.0' });

    await live.sentryEvent('shop', richEvent({ release: '1.1.0' }));
    expect((await group(shopId)).status).toBe('resolved');
    await live.sentryEvent('shop', richEvent({ release: '1.2.0' }));
    expect((await group(shopId)).status).toBe('unresolved');

    const none = await call('resolve_error', { id: bareId, in_release: 'next' });
    expect(none.isError).toBe(true);
    expect(none.content[0]!.text).toContain('no_release');
    expect((await group(bareId)).status).toBe('unresolved');
  });

  it('ignore_error hides a group from the default list until reopen_error; each condition reaches the API', async () => {
    // The API keeps the figure at which it wakes: the count when ignored plus N.
    const before = (await group(shopId)).count;
    const ignored = await call('ignore_error', { id: shopId, until_count: 5 });
    expect(ignored.structuredContent).toMatchObject({ status: 'ignored' });
    expect(ignored.content[0]!.text).toContain(`now ignored until it reaches ${before + 5} events`);
    expect(await group(shopId)).toMatchObject({ status: 'ignored', ignore: { until_count: before + 5 } });
    expect(ids(await call('list_errors', { project: 'shop' }))).not.toContain(shopId);
    expect(ids(await call('list_errors', { status: 'ignored' }))).toEqual([shopId]);

    const reopened = await call('reopen_error', { id: shopId });
    expect(reopened.structuredContent).toMatchObject({ status: 'unresolved' });
    expect(await group(shopId)).toMatchObject({ status: 'unresolved', ignore: null });

    await call('ignore_error', { id: shopId, until: '2030-01-01T00:00:00Z' });
    expect((await group(shopId)).ignore).toMatchObject({ until: '2030-01-01T00:00:00.000Z' });
    await call('reopen_error', { id: shopId });
    await call('ignore_error', { id: shopId, until_users: 3 });
    expect((await group(shopId)).ignore).toMatchObject({ until_users: expect.any(Number) });
    await call('reopen_error', { id: shopId });
    await call('ignore_error', { id: shopId });
    expect(await group(shopId)).toMatchObject({ status: 'ignored', ignore: { until: null, until_count: null, until_users: null } });
    await call('reopen_error', { id: shopId });
  });

  it('list_errors sorts as the API does, and lists by release', async () => {
    await live.api('/api/errors', { method: 'POST', body: JSON.stringify({ project: 'shop', exception_type: 'Rare', message: 'once' }) });
    for (const sort of ['count', 'first_seen', 'users', 'last_seen']) {
      const api = await live.api(`/api/errors?status=all&sort=${sort}`);
      expect(ids(await call('list_errors', { status: 'all', sort })), sort).toEqual(api.errors.map((e: { id: number }) => e.id));
    }
    expect(ids(await call('list_errors', { release: '1.2.0', status: 'all' }))).toEqual([shopId]);
  });
});
