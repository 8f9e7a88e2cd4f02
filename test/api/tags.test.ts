// Tags first class (issue 16): per-group value counts with the rest as other, and list filters on tags, release, environment, level, user.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.close();
});

const list = async (query: string) => {
  const res = await t.app.inject({ url: `/api/errors?${query}`, headers: auth });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  return { types: body.errors.map((e: { exception_type: string }) => e.exception_type).sort(), total: body.total };
};

async function seed() {
  const send = (type: string, fields: Record<string, unknown>) => postError(t.app, report({ exception_type: type, ...fields }));
  await send('A', { tags: { browser: 'Firefox', region: 'eu' }, release: '1.0', environment: 'production', level: 'error', user: { id: 'u1', email: 'one@example.com' } });
  await send('A', { tags: { browser: 'Chrome', region: 'eu' }, release: '1.1', environment: 'production', level: 'error', user: { id: 'u2' } });
  await send('B', { tags: { browser: 'Firefox', region: 'us' }, release: '1.1', environment: 'staging', level: 'warning', user: { email: 'two@example.com' } });
  await send('C', { tags: { browser: 'Safari' }, release: '2.0', environment: 'production' });
}

describe('GET /api/errors filters', () => {
  it.each([
    ['tag=browser:Firefox', ['A', 'B']],
    ['tag=browser:Firefox&tag=region:eu', ['A']],
    ['tag=browser:Firefox&tag=region:asia', []],
    ['tag=region:eu&tag=browser:Chrome', ['A']],
    ['release=1.1', ['A', 'B']],
    ['release=1.0', ['A']],
    ['environment=staging', ['B']],
    ['environment=production&release=2.0', ['C']],
    ['level=warning', ['B']],
    ['user=u2', ['A']],
    ['user=one@example.com', ['A']],
    ['user=two@example.com', ['B']],
    ['user=nobody', []],
    ['tag=browser:Firefox&search=quantity', ['A', 'B']],
    ['tag=region:us&search=qu', ['B']],
    ['tag=browser:Firefox&resolved=false&project=shop', ['A', 'B']],
    ['tag=url:https://x.example/a:b', []],
    ['tag=', ['A', 'B', 'C']],
  ])('%s', async (query, expected) => {
    await seed();
    const { types, total } = await list(query);
    expect(types).toEqual(expected);
    expect(total).toBe(expected.length);
  });

  it.each([['tag=nocolon'], ['tag=:value'], ['tag=key:'], ['level=loud'], [`${Array.from({ length: 11 }, (_, i) => `tag=k${i}:v`).join('&')}`]])('400 for %s', async (query) => {
    const res = await t.app.inject({ url: `/api/errors?${query}`, headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBeTruthy();
  });
});

describe('GET /api/errors/:id tags', () => {
  it('counts each value, the top 20 kept and the rest as other, with distinct users', async () => {
    let id = 0;
    for (let i = 0; i < 25; i++) {
      const res = await postError(t.app, report({ tags: { build: `b${i}`, browser: i % 5 === 0 ? 'Safari' : 'Firefox' }, user: { id: `u${i % 3}` } }));
      id = res.json().id;
    }
    const body = (await t.app.inject({ url: `/api/errors/${id}`, headers: auth })).json();
    const tag = (key: string) => body.tags.find((x: { key: string }) => x.key === key);
    expect(tag('browser')).toEqual({ key: 'browser', total: 25, values: [{ value: 'Firefox', count: 20 }, { value: 'Safari', count: 5 }], other: 0 });
    expect(tag('build').values).toHaveLength(20);
    expect(tag('build')).toMatchObject({ total: 25, other: 5 });
    expect(body.users).toEqual({ distinct: 3, more: false });
    // Known full, the tag still counts its kept values under themselves, and new ones as other.
    await postError(t.app, report({ tags: { build: 'b3' } }));
    await postError(t.app, report({ tags: { build: 'b99' } }));
    const again = (await t.app.inject({ url: `/api/errors/${id}`, headers: auth })).json().tags.find((x: { key: string }) => x.key === 'build');
    expect(again.values.find((v: { value: string }) => v.value === 'b3')).toEqual({ value: 'b3', count: 2 });
    expect(again).toMatchObject({ total: 27, other: 6 });
  });

  it('a resolved group deleted by retention takes its tags with it', async () => {
    const res = await postError(t.app, report({ tags: { a: 'b' } }));
    t.db.prepare('DELETE FROM errors WHERE id = ?').run(res.json().id);
    expect(t.db.prepare('SELECT count(*) AS n FROM error_tags').get()).toEqual({ n: 0 });
  });
});
