// Mapping at ingest: V8, Firefox and Safari traces and Sentry events of a rolldown bundle grouped by their original file and line.
import { createHash } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auth, buildTestApp, postError, type TestApp } from '../helper.js';
import { asFirefox, asSafari, buildApp, ERRORS, v8Trace, type Bundle } from './fixture-app.js';
import { memoryLookup, type MemoryLookup } from './memory-lookup.js';

const CDN = 'https://cdn.example.com/assets';
let bundle: Bundle;
let rebuilt: Bundle;
let t: TestApp;
let lookup: MemoryLookup;

beforeAll(async () => {
  bundle = await buildApp();
  rebuilt = await buildApp({ version: "2.0.0-longer-version-string" });
});

afterEach(() => t?.close());

async function start() {
  lookup = memoryLookup();
  t = await buildTestApp({}, ':memory:', undefined, { sourceMaps: lookup });
}

const native = (b: Bundle, fn: keyof typeof ERRORS, render: (s: string) => string = (s) => s, url = `${CDN}/${b.file}?v=3`) => {
  const { type, message, stack } = v8Trace(b, url, fn);
  return { project: 'web', exception_type: type, message, traceback: render(stack) };
};

async function group(id: number) {
  const res = await t.app.inject({ method: 'GET', url: `/api/errors/${id}`, headers: auth });
  expect(res.statusCode).toBe(200);
  return res.json().error;
}

describe('mapping at ingest by the file URL (native reports)', () => {
  it('groups a minified V8 trace by the original file and line, and shows the original frames with source context', async () => {
    await start();
    lookup.add('web', bundle.map, { url: `~/assets/${bundle.file}` });
    const res = await postError(t.app, native(bundle, 'addBrokenItem'));
    expect(res.statusCode).toBe(201);
    const e = await group(res.json().id);
    expect([e.file, e.line, e.function]).toEqual([ERRORS.addBrokenItem.file, ERRORS.addBrokenItem.line, 'addItem']);
    expect(e.source).toBe('browser');
    expect(res.json().fingerprint).toBe(md5(`web:TypeError:${ERRORS.addBrokenItem.file}:${ERRORS.addBrokenItem.line}`));
    const crash = e.frames[0];
    expect(crash).toMatchObject({ file: 'src/cart.js', line: ERRORS.addBrokenItem.line, function: 'addItem', in_app: true });
    expect(crash.generated.file).toBe(`${CDN}/${bundle.file}`);
    expect(crash.context.line.trim()).toBe(ERRORS.addBrokenItem.contextLine);
    expect(crash.context.pre.at(-1)).toBe('export function addItem(cart, item) {');
    expect(e.frames[1]).toMatchObject({ file: 'src/main.js', line: 5 });
    // Its caller is the page's unmapped script: no call site names it, so V8's name stays.
    expect(e.frames[1].function).toContain('addBrokenItem');
    // The page's own inline script has no map, and says so.
    expect(e.frames.at(-1)).toMatchObject({ file: 'https://cdn.example.com/page.html', unmapped: 'no_map' });
  });

  it('two places give two groups; a rebuild with another hash and the same source lands in the same groups', async () => {
    await start();
    lookup.add('web', bundle.map, { url: `~/assets/${bundle.file}` });
    lookup.add('web', rebuilt.map, { url: `~/assets/${rebuilt.file}` });
    expect(rebuilt.file).not.toBe(bundle.file);
    const a = await postError(t.app, native(bundle, 'addBrokenItem'));
    const b = await postError(t.app, native(bundle, 'payOverLimit'));
    expect(a.json().id).not.toBe(b.json().id);
    expect((await group(b.json().id)).file).toBe(ERRORS.payOverLimit.file);
    expect((await group(b.json().id)).line).toBe(ERRORS.payOverLimit.line);
    const a2 = await postError(t.app, native(rebuilt, 'addBrokenItem'));
    const b2 = await postError(t.app, native(rebuilt, 'payOverLimit'));
    expect([a2.json().id, a2.json().count]).toEqual([a.json().id, 2]);
    expect([b2.json().id, b2.json().count]).toEqual([b.json().id, 2]);
  });

  it('Firefox and Safari traces of the same error join the V8 one', async () => {
    await start();
    lookup.add('web', bundle.map, { url: `~/assets/${bundle.file}` });
    const v8 = await postError(t.app, native(bundle, 'payOverLimit'));
    const firefox = await postError(t.app, native(bundle, 'payOverLimit', asFirefox));
    const safari = await postError(t.app, native(bundle, 'payOverLimit', asSafari));
    expect(firefox.json()).toMatchObject({ status: 'existing', id: v8.json().id });
    expect(safari.json()).toMatchObject({ status: 'existing', id: v8.json().id, count: 3 });
  });

  it('a map of another project is never used', async () => {
    await start();
    lookup.add('other', bundle.map, { url: `~/assets/${bundle.file}` });
    const res = await postError(t.app, native(bundle, 'addBrokenItem'));
    const e = await group(res.json().id);
    expect(e.file).toBe(`${CDN}/${bundle.file}`);
    expect(e.frames[0].unmapped).toBe('no_map');
  });

  it('a map that is not JSON leaves the frames as sent, says why, and the report is stored', async () => {
    await start();
    lookup.add('web', '{"version":3,"mappings":', { url: `~/assets/${bundle.file}` });
    const res = await postError(t.app, native(bundle, 'addBrokenItem'));
    expect(res.statusCode).toBe(201);
    const e = await group(res.json().id);
    expect(e.file).toBe(`${CDN}/${bundle.file}`);
    expect(e.frames[0].unmapped).toBe('map_invalid');
  });

  it('an artifact store that fails costs the mapping, never the report', async () => {
    await start();
    lookup.byUrl = async () => {
      throw new Error('disk gone');
    };
    const res = await postError(t.app, native(bundle, 'addBrokenItem'));
    expect(res.statusCode).toBe(201);
    expect((await group(res.json().id)).file).toBe(`${CDN}/${bundle.file}`);
  });
});

describe('Sentry events', () => {
  const sentryFrames = (stack: string) =>
    stack
      .split('\n')
      .filter((l) => l.trim().startsWith('at '))
      .map((l) => {
        const m = /^\s*at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/.exec(l)!;
        return { function: m[1] ?? '?', filename: m[2], abs_path: m[2], lineno: Number(m[3]), colno: Number(m[4]), in_app: true };
      })
      .reverse();

  const event = (b: Bundle, fn: keyof typeof ERRORS, debugId: string) => {
    const url = `http://127.0.0.1:8080/assets/${b.file}`;
    const { type, message, stack } = v8Trace(b, url, fn);
    return {
      platform: 'javascript',
      sdk: { name: 'sentry.javascript.browser', version: '10.0.0' },
      exception: { values: [{ type, value: message, stacktrace: { frames: sentryFrames(stack) }, mechanism: { type: 'onerror', handled: false } }] },
      debug_meta: { images: [{ type: 'sourcemap', code_file: url, debug_id: debugId }] },
    };
  };

  async function sendEvent(body: unknown) {
    const { dsnKey, projectId } = await sentryProject();
    const res = await t.app.inject({ method: 'POST', url: `/api/${projectId}/store/?sentry_key=${dsnKey}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    expect(res.statusCode).toBe(200);
    const list = await t.app.inject({ method: 'GET', url: '/api/errors?project=web', headers: auth });
    return list.json().errors as Array<{ id: number; file: string; line: number; count: number }>;
  }

  async function sentryProject() {
    let res = await t.app.inject({ method: 'GET', url: '/api/projects/web', headers: auth });
    if (res.statusCode === 404) res = await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'web' } });
    return { dsnKey: res.json().ingest_key as string, projectId: res.json().id as number };
  }

  it('finds the map by the debug ID the event names, whatever the URL', async () => {
    await start();
    const debugId = 'c0ffee00-1234-4abc-8def-0123456789ab';
    lookup.add('web', bundle.map, { debugId });
    const [g] = await sendEvent(event(bundle, 'payOverLimit', debugId.toUpperCase()));
    expect([g!.file, g!.line]).toEqual([ERRORS.payOverLimit.file, ERRORS.payOverLimit.line]);
    expect(lookup.calls).toContain(`byDebugId:${debugId}`);
    const e = await group(g!.id);
    expect(e.frames[0]).toMatchObject({ file: 'src/checkout.js', function: 'checkout' });
  });

  it('a debug ID no bundle has is said so on the page', async () => {
    await start();
    const [g] = await sendEvent(event(bundle, 'payOverLimit', '00000000-0000-4000-8000-000000000001'));
    const e = await group(g!.id);
    expect(e.file).toBe(`http://127.0.0.1:8080/assets/${bundle.file}`);
    expect(e.frames[0].unmapped).toBe('debug_id_unknown');
  });
});

function md5(s: string) {
  return createHash('md5').update(s).digest('hex');
}
