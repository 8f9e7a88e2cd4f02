// A report sent with an ingest key may leave `project` out: the key names it. The operator key still needs it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY, buildTestApp, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(() => t.close());

async function createProject(name: string): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/projects', headers: { 'x-api-key': API_KEY }, payload: { name } });
  return (res.json() as { ingest_key: string }).ingest_key;
}

const post = (key: string, body: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/api/errors', headers: { 'x-api-key': key, 'content-type': 'application/json' }, payload: body });

describe('project of a report sent with an ingest key', () => {
  it("defaults to the key's project", async () => {
    const web = await createProject('web');
    const res = await post(web, { exception_type: 'TypeError', message: 'x is undefined' });
    expect(res.statusCode).toBe(201);
    const list = await t.app.inject({ url: '/api/errors?project=web', headers: { 'x-api-key': API_KEY } });
    expect(list.json()).toMatchObject({ total: 1, errors: [{ project: 'web', exception_type: 'TypeError' }] });
  });

  it('is still checked when named: another project is refused with 403 wrong_project', async () => {
    const web = await createProject('web');
    const res = await post(web, { project: 'shop', exception_type: 'TypeError' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'wrong_project' });
  });

  it('is required with the operator key', async () => {
    const res = await post(API_KEY, { exception_type: 'TypeError' });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toContain('project');
  });
});
