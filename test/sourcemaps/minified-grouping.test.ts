// Without a map, two errors on one minified line are two groups (the column joins the key); ordinary frames keep their fingerprints.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { minifiedColumn } from '../../src/ingest/grouping/index.js';
import type { Frame } from '../../src/ingest/stack/types.js';
import { buildTestApp, postError, type TestApp } from '../helper.js';
import { memoryLookup } from './memory-lookup.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const frame = (file: string, line: number | null, column: number | null): Frame => ({ file, line, column, function: 'f', inApp: true });
const BUNDLE = 'https://cdn.example.com/assets/app.3f9a1c.min.js';

describe('minifiedColumn', () => {
  it.each([
    ['a Python frame (no column)', frame('/srv/app/orders.py', 12, null), null],
    ['a Node frame of hand-written code', frame('/srv/app/server.js', 40, 17), null],
    ['a page script of hand-written code', frame('https://shop.example/js/cart.js', 88, 23), null],
    ['a page script past any hand-written column', frame('https://shop.example/js/app.js', 1, 1234), 1234],
    ['a .min.js file, whatever the column', frame(BUNDLE, 1, 57), 57],
    ['a Node bundle written on one long line', frame('/srv/app/dist/server.mjs', 2, 48211), 48211],
    ['a TypeScript or Go frame far right (not JavaScript)', frame('/srv/app/main.go', 3, 400), null],
    ['a frame without a line', frame(BUNDLE, null, 57), null],
    ['no frame', null, null],
  ])('%s', (_name, f, expected) => expect(minifiedColumn(f)).toBe(expected));
});

describe('fingerprint of a minified frame', () => {
  it('appends `:col=N` to the spec text, which no ordinary key can end with', () => {
    expect(fingerprint({ project: 'web', exceptionType: 'TypeError', file: BUNDLE, line: 1, column: 1234 })).toBe(md5(`web:TypeError:${BUNDLE}:1:col=1234`));
  });

  it("`{{ default }}` in a client's fingerprint carries the column too", () => {
    const withColumn = fingerprint({ project: 'web', exceptionType: 'E', file: BUNDLE, line: 1, column: 9, override: ['{{ default }}', 'x'] });
    expect(withColumn).toBe(md5(JSON.stringify(['client-fingerprint/2', 'web', { default: ['E', BUNDLE, 1, 9] }, 'x'])));
  });
});

describe('minified traces without a map, through POST /api/errors', () => {
  let t: TestApp;
  afterEach(() => t.close());

  const report = (column: number, message = 'x is undefined') => ({
    project: 'web',
    exception_type: 'TypeError',
    message,
    traceback: `TypeError: ${message}\n    at r (${BUNDLE}?v=7:1:${column})\n    at ${BUNDLE}?v=7:1:${column + 4000}`,
  });

  // With no artifact store, and with one that has no map for the bundle: the same rule.
  for (const withLookup of [false, true]) {
    it(`two errors on one line at columns 1234 and 98765 are two groups (${withLookup ? 'maps uploaded, none for this file' : 'no source maps'})`, async () => {
      t = await buildTestApp({}, ':memory:', undefined, withLookup ? { sourceMaps: memoryLookup() } : {});
      const a = await postError(t.app, report(1234));
      const b = await postError(t.app, report(98765, 'y is null'));
      const again = await postError(t.app, report(1234, 'x is undefined, again'));
      expect(a.json().id).not.toBe(b.json().id);
      expect(again.json()).toMatchObject({ status: 'existing', id: a.json().id, count: 2 });
      expect(a.json().fingerprint).toBe(md5(`web:TypeError:${BUNDLE}:1:col=1234`));
    });
  }

  it('ordinary frames keep the spec fingerprint: a hand-written page script and a Node trace', async () => {
    t = await buildTestApp({}, ':memory:', undefined, { sourceMaps: memoryLookup() });
    const page = await postError(t.app, { project: 'web', exception_type: 'TypeError', traceback: 'TypeError: x\n    at add (https://shop.example/js/cart.js?v=2:88:23)' });
    expect(page.json().fingerprint).toBe(md5('web:TypeError:https://shop.example/js/cart.js:88'));
    const node = await postError(t.app, { project: 'api', exception_type: 'Error', traceback: 'Error: x\n    at handler (/srv/app/server.js:40:17)' });
    expect(node.json().fingerprint).toBe(md5('api:Error:/srv/app/server.js:40'));
  });
});
