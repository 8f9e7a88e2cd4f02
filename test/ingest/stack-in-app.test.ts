// In-app classification, URL query stripping, crash-frame choice, and inputs that are not stacks at all.
import { describe, expect, it } from 'vitest';
import { isInApp, parseStack, pickCrashFrame, stripQueryAndFragment } from '../../src/ingest/stack/parse.js';
import type { Frame } from '../../src/ingest/stack/types.js';

describe('isInApp', () => {
  it.each([
    ['/srv/app/shop/payments.py', '_authorize', true],
    ['s05_syntax_toplevel.py', '', true],
    ['C:\\Users\\dev\\proj\\app\\main.py', 'handle', true],
    ['/srv/app/node/app/nested.js', 'main', true],
    ['file:///srv/app/node/lib/pricing.mjs', 'applyDiscount', true],
    ['https://app.example.com/static/app.js', 'formatPrice', true],
    ['webpack:///./src/components/test/test.jsx', 'render', true],
    ['app:///main.js', 'run', true],
    ['/srv/app/jsc/toplevel.js', 'global code', true],
    ['/srv/app/node/app/x.js', 'Object.<anonymous>', true],
    ['/srv/app/python/site-packages/fakevendor/validators.py', 'require_positive', false],
    ['/usr/lib/python3/dist-packages/flask/app.py', 'wsgi_app', false],
    ['/usr/lib/python3.11/_strptime.py', '_strptime', false],
    ['/usr/local/lib/python3.12/json/decoder.py', 'raw_decode', false],
    ['/home/dev/.pyenv/versions/3.8.18/lib/python3.8/asyncio/runners.py', 'run', false],
    ['C:\\Python311\\Lib\\json\\decoder.py', 'raw_decode', false],
    ['C:\\proj\\.venv\\Lib\\site-packages\\requests\\api.py', 'get', false],
    ['<frozen importlib._bootstrap>', '_gcd_import', false],
    ['<string>', 'dyn', false],
    ['<stdin>', '<module>', false],
    ['<decorator-gen-39>', 'render', false],
    ['/srv/app/node/node_modules/fakepkg/index.js', 'slugify', false],
    ['C:\\app\\node_modules\\lib\\index.js', 'Object.<anonymous>', false],
    ['webpack:///../node_modules/react-dom/index.js', 'render', false],
    ['webpack:///~/react-dom/lib/ReactDOM.js', 'render', false],
    ['node:internal/modules/cjs/loader', 'Module._compile', false],
    ['node:fs', 'Object.readFileSync', false],
    ['internal/modules/cjs/loader.js', 'Module._compile', false],
    ['<anonymous>', 'JSON.parse', false],
    ['evalmachine.<anonymous>', '', false],
    ['[native code]', 'map', false],
    ['native', 'Array.forEach', false],
    ['native code', 'Array.prototype.map', false],
    ['eval code', 'eval code', false],
    ['/srv/app/x.js', 'eval code', false],
    ['chrome-extension://abcdefghijklmnop/content.js', 'inject', false],
    ['moz-extension://2c127fa4/content.js', 'inject', false],
    ['safari-web-extension://E0C8/content.js', 'inject', false],
    ['', 'inEval', false],
  ])('%s (%s) → %s', (file, fn, expected) => {
    expect(isInApp(file, fn)).toBe(expected);
  });
});

describe('stripQueryAndFragment', () => {
  it.each([
    ['https://app.example.com/static/app.js?v=123', 'https://app.example.com/static/app.js'],
    ['https://app.example.com/static/app.js?v=123#frag', 'https://app.example.com/static/app.js'],
    ['https://app.example.com/index.html#corpus', 'https://app.example.com/index.html'],
    ['https://app.example.com/index.html#a?b', 'https://app.example.com/index.html'],
    ['webpack:///./src/components/test/test.jsx?', 'webpack:///./src/components/test/test.jsx'],
    ['chrome-extension://abc/content.js?x=1', 'chrome-extension://abc/content.js'],
    ['file:///srv/app/esm.mjs?t=1', 'file:///srv/app/esm.mjs'],
    ['file:///srv/app/my%20app%20(v2)/esm.mjs', 'file:///srv/app/my%20app%20(v2)/esm.mjs'],
    // Not scheme:// URLs: kept exactly as written.
    ['genericDiscoverQuery.tsx?33f8', 'genericDiscoverQuery.tsx?33f8'],
    ['/srv/app/what?.js', '/srv/app/what?.js'],
    ['C:\\app\\src\\#1\\x.js', 'C:\\app\\src\\#1\\x.js'],
    ['blob:http%3A//localhost%3A8080/abfc?x', 'blob:http%3A//localhost%3A8080/abfc?x'],
    ['', ''],
  ])('%s → %s', (input, expected) => {
    expect(stripQueryAndFragment(input)).toBe(expected);
  });
});

describe('pickCrashFrame', () => {
  const frame = (file: string, inApp: boolean): Frame => ({ file, line: 1, column: null, function: 'f', inApp });

  it('is null without frames', () => {
    expect(pickCrashFrame([])).toBeNull();
  });

  it('is the innermost in-app frame', () => {
    const frames = [frame('node:fs', false), frame('/srv/a.js', true), frame('/srv/b.js', true)];
    expect(pickCrashFrame(frames)).toBe(frames[1]);
  });

  it('is the innermost frame when none is in-app', () => {
    const frames = [frame('node:fs', false), frame('node:net', false)];
    expect(pickCrashFrame(frames)).toBe(frames[0]);
  });
});

describe('parseStack: empty and non-stack input', () => {
  it.each([
    ['empty', ''],
    ['blank lines', '  \n\n\t\r\n'],
    ['a message only', 'TypeError: undefined is not a function'],
    ['JSON', '{"error": {"message": "boom", "stack": null}}'],
    ['HTML', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['prose with a URL', 'see https://status.example.com for details'],
    ['control characters and lone surrogates', '\u0000\u0001\uffff\ud800\udfff\u2028\u2029'],
    ['half a Python frame', '  File "/srv/app/x.py", line'],
    ['half a V8 frame', '    at f (/srv/app/x.js'],
    ['"at" alone', 'at\nat \n    at ()'],
    ['"@" alone', '@\n@@\n[native code]'],
    ['an empty Python file name', '  File "", line 3, in f'],
  ])('%s gives no frames', (_name, input) => {
    expect(parseStack(input)).toEqual({ format: 'unknown', frames: [] });
  });

  it('does not throw for a non-string at runtime', () => {
    expect(parseStack(undefined as unknown as string)).toEqual({ format: 'unknown', frames: [] });
  });
});
