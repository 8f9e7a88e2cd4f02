// Issue 14, finding 4: one project's reports never touch another project's groups, whatever the fingerprints.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { auth, buildTestApp, postError, preparedReport, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(() => t.close());

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const trace = 'TypeError: x is undefined\n    at render (/srv/web/app.js:3:7)';
const victimReport = { project: 'shop:web', exception_type: 'TypeError', message: 'the real error', traceback: trace };

async function ingestKey(name: string): Promise<string> {
  return (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name } })).json().ingest_key;
}
const groups = async () => (await t.app.inject({ url: '/api/errors?resolved=false&limit=200', headers: auth })).json().errors as Array<Record<string, unknown>>;
const detail = async (id: number) => (await t.app.inject({ url: `/api/errors/${id}`, headers: auth })).json();

describe('project isolation', () => {
  it("a client fingerprint naming another project's group makes its own group (shop -> shop:web)", async () => {
    const victim = (await postError(t.app, victimReport)).json();
    await t.app.inject({ method: 'POST', url: `/api/errors/${victim.id}/resolve`, headers: auth });
    const key = await ingestKey('shop');
    const res = await postError(t.app, { project: 'shop', exception_type: 'X', message: 'hijack', fingerprint: 'web:TypeError:/srv/web/app.js:3' }, { 'x-api-key': key });
    expect(res.statusCode).toBe(201);
    expect(res.json().id).not.toBe(victim.id);
    const v = await detail(victim.id);
    expect(v.error).toMatchObject({ project: 'shop:web', count: 1, resolved: true, message: 'the real error', traceback: trace });
  });

  it("the ambiguous default key (a project name with ':') never reopens, rewrites or wipes another project's group", async () => {
    const victim = (await postError(t.app, victimReport)).json();
    await t.app.inject({ method: 'POST', url: `/api/errors/${victim.id}/resolve`, headers: auth });
    // `shop` + `web:TypeError` hashes exactly as `shop:web` + `TypeError` (the spec's text, kept byte for byte).
    const attack = { project: 'shop', exception_type: 'web:TypeError', message: 'replaced', traceback: '    at render (/srv/web/app.js:3:7)' };
    const first = (await postError(t.app, attack)).json();
    expect(first.fingerprint).not.toBe(victim.fingerprint);
    expect(first.id).not.toBe(victim.id);
    const second = (await postError(t.app, attack)).json();
    expect(second).toMatchObject({ id: first.id, count: 2, fingerprint: first.fingerprint });
    const v = await detail(victim.id);
    expect(v.error).toMatchObject({ project: 'shop:web', count: 1, resolved: true, message: 'the real error', traceback: trace });
    expect(v.occurrences).toHaveLength(1);
    expect((await detail(first.id)).error).toMatchObject({ project: 'shop', exception_type: 'web:TypeError', count: 2 });
  });

  it("sent first, the colliding report does not hijack the other project's errors: each project gets its group", async () => {
    const attack = (await postError(t.app, { project: 'shop', exception_type: 'web:TypeError', traceback: '    at render (/srv/web/app.js:3:7)' })).json();
    expect(attack.fingerprint).toBe(md5('shop:web:TypeError:/srv/web/app.js:3'));
    const real = await postError(t.app, victimReport);
    expect(real.statusCode).toBe(201); // a new group, so it alerts
    expect(real.json().id).not.toBe(attack.id);
    const byProject = Object.fromEntries((await groups()).map((g) => [g.project, g]));
    expect(byProject['shop:web']).toMatchObject({ exception_type: 'TypeError', count: 1, message: 'the real error' });
    expect(byProject.shop).toMatchObject({ exception_type: 'web:TypeError', count: 1 });
    // and it keeps grouping under its derived fingerprint
    expect((await postError(t.app, victimReport)).json()).toMatchObject({ id: real.json().id, count: 2 });
  });

  it('two projects with one fingerprint in the same group commit are two groups', async () => {
    const [a, b] = await Promise.all([
      t.store.ingest(preparedReport({ project: 'a', message: 'from a' })),
      t.store.ingest(preparedReport({ project: 'b', message: 'from b' })),
    ]);
    expect(a.id).not.toBe(b.id);
    expect(a.created && b.created).toBe(true);
    expect((await t.store.getError(a.id))!.error).toMatchObject({ project: 'a', message: 'from a', count: 1 });
    expect((await t.store.getError(b.id))!.error).toMatchObject({ project: 'b', message: 'from b', count: 1 });
  });
});
