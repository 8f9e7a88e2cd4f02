// Events that arrived before their map: shown mapped on their page once it exists (no regrouping); the next report is mapped at ingest.
import { afterEach, beforeAll, expect, it } from 'vitest';
import { auth, buildTestApp, postError, type TestApp } from '../helper.js';
import { buildApp, ERRORS, v8Trace, type Bundle } from './fixture-app.js';
import { memoryLookup } from './memory-lookup.js';

let bundle: Bundle;
let t: TestApp;
beforeAll(async () => {
  bundle = await buildApp();
});
afterEach(() => t.close());

it('maps on read what was stored unmapped, keeps its group, and maps the next report now that the map is there', async () => {
  const lookup = memoryLookup();
  t = await buildTestApp({}, ':memory:', undefined, { sourceMaps: lookup });
  const url = `https://cdn.example.com/assets/${bundle.file}`;
  const { type, message, stack } = v8Trace(bundle, url, 'payOverLimit');
  const body = { project: 'web', exception_type: type, message, traceback: stack };

  const early = await postError(t.app, body);
  const read = async (id: number) => (await t.app.inject({ method: 'GET', url: `/api/errors/${id}`, headers: auth })).json().error;
  const before = await read(early.json().id);
  expect(before.file).toBe(url);
  expect(before.frames[0]).toMatchObject({ file: url, unmapped: 'no_map' });
  // The miss is remembered: a second report does not look the file up again.
  const calls = lookup.calls.length;
  await postError(t.app, body);
  expect(lookup.calls.length).toBe(calls);

  lookup.add('web', bundle.map, { url: `~/assets/${bundle.file}` });

  const after = await read(early.json().id);
  expect([after.file, after.fingerprint, after.count]).toEqual([url, before.fingerprint, 2]);
  expect(after.frames[0]).toMatchObject({ file: ERRORS.payOverLimit.file, line: ERRORS.payOverLimit.line, function: 'checkout' });
  expect(after.frames[0].context.line.trim()).toBe(ERRORS.payOverLimit.contextLine);
  expect(after.frames[0].generated).toMatchObject({ file: url, line: 1 });

  // The upload moved the lookup's generation: the remembered miss is gone, and this report is mapped.
  const late = await postError(t.app, body);
  expect(late.statusCode).toBe(201);
  const mapped = await read(late.json().id);
  expect([mapped.file, mapped.line]).toEqual([ERRORS.payOverLimit.file, ERRORS.payOverLimit.line]);
});
