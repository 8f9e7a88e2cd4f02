// Search and filters with SQL and LIKE metacharacters return exactly the matching groups: parameters only, LIKE escaped.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

let t: TestApp;

/** Types and messages full of metacharacters, with decoys that a wildcard or a broken quote would also match. */
const groups = [
  { exception_type: 'QuoteError', message: "it's broken" },
  { exception_type: 'QuoteDecoy', message: 'its broken' },
  { exception_type: 'PercentError', message: '100% done' },
  { exception_type: 'PercentDecoy', message: '1000 done' },
  { exception_type: 'Under_score', message: 'snake_case_name' },
  { exception_type: 'UnderXscore', message: 'snakeXcaseXname' },
  { exception_type: 'BackslashError', message: 'C:\\temp\\file' },
  { exception_type: 'BackslashDecoy', message: 'C:/temp/file' },
  { exception_type: 'DoubleQuote', message: 'say "hi"' },
  { exception_type: 'Injection', message: "x' OR '1'='1" },
  { exception_type: 'Comment', message: 'a -- b; DROP TABLE errors; /*' },
  { exception_type: 'Escape', message: "50\\% of '_'" },
];
const projects = ["o'brien", 'per%cent', 'under_score', 'back\\slash', 'dq"uote', 'plain'];

async function list(query: Record<string, string>): Promise<Array<{ exception_type: string; message: string; project: string }>> {
  const qs = new URLSearchParams({ ...query, limit: '200', resolved: 'false' }).toString();
  const res = await t.app.inject({ url: `/api/errors?${qs}`, headers: auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().errors;
}

/** SQLite's LIKE folds ASCII letters only; so does the model. */
const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

beforeAll(async () => {
  t = await buildTestApp();
  for (const project of projects) {
    for (const g of groups) expect((await postError(t.app, report({ project, ...g, traceback: '' }))).statusCode).toBe(201);
  }
});
afterAll(async () => {
  await t.close();
});

describe('search', () => {
  it.each([
    ["'", ['QuoteError', 'Injection', 'Escape']],
    ['%', ['PercentError', 'Escape']],
    ['_', ['Under_score', 'Escape']],
    ['\\', ['BackslashError', 'Escape']],
    ['"', ['DoubleQuote']],
    ["it's", ['QuoteError']],
    ['100%', ['PercentError']],
    ['snake_case', ['Under_score']],
    ['C:\\temp', ['BackslashError']],
    ['\\%', ['Escape']],
    ["'1'='1", ['Injection']],
    ["' OR 1=1 --", []],
    ['%%', []],
    ['__', []],
    ['DROP TABLE errors;', ['Comment']],
  ])('%j matches exactly %j in every project', async (search, types) => {
    const found = await list({ search });
    expect(new Set(found.map((e) => e.exception_type))).toEqual(new Set(types));
    expect(found).toHaveLength(types.length * projects.length);
  });

  it('matches any search string exactly as a case-insensitive substring of type or message (fast-check, seeded)', async () => {
    const alphabet = fc.constantFrom("'", '%', '_', '\\', '"', ' ', '-', ';', '/', '*', '=', 'a', 'e', 'o', 'r', 's', 'E', 'O', '1', '0', 'C', ':');
    await fc.assert(
      fc.asyncProperty(fc.array(alphabet, { minLength: 1, maxLength: 5 }).map((a) => a.join('')), async (search) => {
        const expected = groups.filter((g) => fold(g.exception_type).includes(fold(search)) || fold(g.message).includes(fold(search)));
        const found = await list({ search, project: 'plain' });
        expect(found.map((e) => e.exception_type).sort(), search).toEqual(expected.map((g) => g.exception_type).sort());
      }),
      { seed: 20260620, numRuns: 300 },
    );
  });
});

describe('filters', () => {
  it.each(projects)('project=%j returns that project only', async (project) => {
    const found = await list({ project });
    expect(found).toHaveLength(groups.length);
    expect(new Set(found.map((e) => e.project))).toEqual(new Set([project]));
  });

  it.each(["o'brien' OR '1'='1", '%', '_', 'per_cent', 'under%', "o''brien", 'back\\\\slash'])('project=%j matches nothing', async (project) => {
    expect(await list({ project })).toEqual([]);
  });

  it.each([["o'brien", 'PercentError'], ['per%cent', 'Under_score'], ['back\\slash', 'Escape']])('project=%j with a search still narrows to %s', async (project, type) => {
    const found = await list({ project, search: groups.find((g) => g.exception_type === type)!.message });
    expect(found.map((e) => [e.project, e.exception_type])).toEqual([[project, type]]);
  });

  it('project names with metacharacters are read and listed as written', async () => {
    for (const name of projects) {
      const res = await t.app.inject({ url: `/api/projects/${encodeURIComponent(name)}`, headers: auth });
      expect(res.json()).toMatchObject({ name, groups: groups.length });
    }
    const all = (await t.app.inject({ url: '/api/projects', headers: auth })).json().projects;
    expect([...all].sort()).toEqual([...projects].sort());
  });
});
