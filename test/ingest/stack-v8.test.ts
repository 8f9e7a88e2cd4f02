// Hand-written V8 stacks (Node, Chrome, and Chakra/PhantomJS/Hermes look-alikes; stack-formats.md §1.2, §1.5) through parseStack.
import { describe, expect, it } from 'vitest';
import { parseStack, pickCrashFrame } from '../../src/ingest/stack/parse.js';
import type { Frame } from '../../src/ingest/stack/types.js';

/** One frame as `function | file | line | column | app/lib`, so a whole stack reads as a list. */
const show = (f: Frame | null): string =>
  f === null ? 'none' : `${f.function} | ${f.file} | ${f.line ?? '-'} | ${f.column ?? '-'} | ${f.inApp ? 'app' : 'lib'}`;

interface Case {
  name: string;
  trace: string;
  /** Every frame, innermost first. */
  frames: string[];
  crash: string;
}

const cases: Case[] = [
  {
    name: 'CommonJS: constructor, anonymous and module frames, node:internal not in-app',
    trace: `Error: boom
    at thrower (/srv/app/corpus.js:5:28)
    at named (/srv/app/corpus.js:6:20)
    at new K (/srv/app/corpus.js:7:16)
    at /srv/app/corpus.js:11:43
    at show (/srv/app/corpus.js:3:9)
    at Object.<anonymous> (/srv/app/corpus.js:11:1)
    at Module._compile (node:internal/modules/cjs/loader:1521:14)
    at Module._extensions..js (node:internal/modules/cjs/loader:1623:10)
    at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:164:12)
    at node:internal/main/run_main_module:28:49`,
    frames: [
      'thrower | /srv/app/corpus.js | 5 | 28 | app',
      'named | /srv/app/corpus.js | 6 | 20 | app',
      'new K | /srv/app/corpus.js | 7 | 16 | app',
      ' | /srv/app/corpus.js | 11 | 43 | app',
      'show | /srv/app/corpus.js | 3 | 9 | app',
      'Object.<anonymous> | /srv/app/corpus.js | 11 | 1 | app',
      'Module._compile | node:internal/modules/cjs/loader | 1521 | 14 | lib',
      'Module._extensions..js | node:internal/modules/cjs/loader | 1623 | 10 | lib',
      'Function.executeUserEntryPoint [as runMain] | node:internal/modules/run_main | 164 | 12 | lib',
      ' | node:internal/main/run_main_module | 28 | 49 | lib',
    ],
    crash: 'thrower | /srv/app/corpus.js | 5 | 28 | app',
  },
  {
    name: 'eval frames point at the eval call site and are not in-app',
    trace: `Error: from eval
    at inEval (eval at <anonymous> (/srv/app/corpus.js:21:37), <anonymous>:1:21)
    at eval (eval at <anonymous> (/srv/app/corpus.js:21:37), <anonymous>:2:1)
    at Object.<anonymous> (/srv/app/corpus.js:21:37)
    at Module._compile (node:internal/modules/cjs/loader:1521:14)`,
    frames: [
      'inEval | /srv/app/corpus.js | 21 | 37 | lib',
      'eval | /srv/app/corpus.js | 21 | 37 | lib',
      'Object.<anonymous> | /srv/app/corpus.js | 21 | 37 | app',
      'Module._compile | node:internal/modules/cjs/loader | 1521 | 14 | lib',
    ],
    crash: 'Object.<anonymous> | /srv/app/corpus.js | 21 | 37 | app',
  },
  {
    name: 'nested eval (Chrome): the outermost real script position is used',
    trace: `Error: nested
    at baz (eval at foo (eval at speak (http://localhost:8080/file.js?v=3:21:17)), <anonymous>:1:30)
    at speak (http://localhost:8080/file.js?v=3:21:17)`,
    frames: [
      'baz | http://localhost:8080/file.js | 21 | 17 | lib',
      'speak | http://localhost:8080/file.js | 21 | 17 | app',
    ],
    crash: 'speak | http://localhost:8080/file.js | 21 | 17 | app',
  },
  {
    name: 'new Function bodies show as eval frames',
    trace: `Error: dyn
    at eval (eval at <anonymous> (/srv/app/corpus.js:22:46), <anonymous>:3:1)`,
    frames: ['eval | /srv/app/corpus.js | 22 | 46 | lib'],
    crash: 'eval | /srv/app/corpus.js | 22 | 46 | lib',
  },
  {
    name: 'Node ESM: file:// URLs with parentheses, async frames, Promise.all (index 0), two-line message',
    trace: `Error: esm boom
second line of message
    at thrower (file:///srv/app/my%20app%20(v2)/esm.mjs:1:28)
    at job (file:///srv/app/my%20app%20(v2)/esm.mjs:2:44)
    at async Promise.all (index 0)
    at async main (file:///srv/app/my%20app%20(v2)/esm.mjs:4:9)
    at async file:///srv/app/my%20app%20(v2)/esm.mjs:16:1`,
    frames: [
      'thrower | file:///srv/app/my%20app%20(v2)/esm.mjs | 1 | 28 | app',
      'job | file:///srv/app/my%20app%20(v2)/esm.mjs | 2 | 44 | app',
      'main | file:///srv/app/my%20app%20(v2)/esm.mjs | 4 | 9 | app',
      ' | file:///srv/app/my%20app%20(v2)/esm.mjs | 16 | 1 | app',
    ],
    crash: 'thrower | file:///srv/app/my%20app%20(v2)/esm.mjs | 1 | 28 | app',
  },
  {
    name: 'plain path with spaces and parentheses (CommonJS)',
    trace: `TypeError: x
    at load (/home/dev/my project (top secret)/index.js:3:9)
    at Object.<anonymous> (/home/dev/my project (top secret)/index.js:8:1)`,
    frames: [
      'load | /home/dev/my project (top secret)/index.js | 3 | 9 | app',
      'Object.<anonymous> | /home/dev/my project (top secret)/index.js | 8 | 1 | app',
    ],
    crash: 'load | /home/dev/my project (top secret)/index.js | 3 | 9 | app',
  },
  {
    name: 'vm-compiled Windows script: the source-excerpt preamble is not a frame',
    trace: `C:\\app\\src\\win.js:2
  throw new TypeError("win");
  ^

TypeError: win
    at winFn (C:\\app\\src\\win.js:2:9)
    at C:\\app\\src\\win.js:4:1
    at Script.runInThisContext (node:vm:137:12)`,
    frames: [
      'winFn | C:\\app\\src\\win.js | 2 | 9 | app',
      ' | C:\\app\\src\\win.js | 4 | 1 | app',
      'Script.runInThisContext | node:vm | 137 | 12 | lib',
    ],
    crash: 'winFn | C:\\app\\src\\win.js | 2 | 9 | app',
  },
  {
    name: 'Windows node_modules\\ paths are not in-app',
    trace: `Error: bad option
    at validate (C:\\app\\node_modules\\lib\\index.js:10:11)
    at Object.<anonymous> (C:\\app\\node_modules\\lib\\index.js:1:1)
    at start (C:\\app\\src\\main.js:7:3)`,
    frames: [
      'validate | C:\\app\\node_modules\\lib\\index.js | 10 | 11 | lib',
      'Object.<anonymous> | C:\\app\\node_modules\\lib\\index.js | 1 | 1 | lib',
      'start | C:\\app\\src\\main.js | 7 | 3 | app',
    ],
    crash: 'start | C:\\app\\src\\main.js | 7 | 3 | app',
  },
  {
    name: 'uncaught crash envelope: [cause] frames, "... N lines matching" and "Node.js v20" are not outer frames',
    trace: `/srv/app/cause.js:2
try { inner(); } catch (e) { throw new Error("outer failure", { cause: e }); }
                             ^

Error: outer failure
    at Object.<anonymous> (/srv/app/cause.js:2:36)
    at Module._compile (node:internal/modules/cjs/loader:1521:14)
    ... 4 lines matching cause stack trace ...
    at node:internal/main/run_main_module:28:49 {
  [cause]: Error: inner failure
      at inner (/srv/app/cause.js:1:26)
      at Object.<anonymous> (/srv/app/cause.js:2:7)
      at Module._compile (node:internal/modules/cjs/loader:1521:14)
}

Node.js v20.20.2`,
    frames: [
      'Object.<anonymous> | /srv/app/cause.js | 2 | 36 | app',
      'Module._compile | node:internal/modules/cjs/loader | 1521 | 14 | lib',
      ' | node:internal/main/run_main_module | 28 | 49 | lib',
    ],
    crash: 'Object.<anonymous> | /srv/app/cause.js | 2 | 36 | app',
  },
  {
    name: 'fs error printed with its properties after " {"',
    trace: `Error: ENOENT: no such file or directory, open '/nope'
    at Object.openSync (node:fs:573:18)
    at readConfig (/srv/app/config.js:4:6) {
  errno: -2,
  code: 'ENOENT',
  syscall: 'open',
  path: '/nope'
}`,
    frames: ['Object.openSync | node:fs | 573 | 18 | lib', 'readConfig | /srv/app/config.js | 4 | 6 | app'],
    crash: 'readConfig | /srv/app/config.js | 4 | 6 | app',
  },
  {
    name: 'errors only inside node internals: the innermost frame is the crash frame',
    trace: `Error: listen EADDRINUSE: address already in use :::3000
    at Server.setupListenHandle [as _listen2] (node:net:1817:16)
    at listenInCluster (node:net:1865:12)
    at process.processTicksAndRejections (node:internal/process/task_queues:83:21)`,
    frames: [
      'Server.setupListenHandle [as _listen2] | node:net | 1817 | 16 | lib',
      'listenInCluster | node:net | 1865 | 12 | lib',
      'process.processTicksAndRejections | node:internal/process/task_queues | 83 | 21 | lib',
    ],
    crash: 'Server.setupListenHandle [as _listen2] | node:net | 1817 | 16 | lib',
  },
  {
    name: 'built-ins without a file are skipped: (<anonymous>), (native), new Promise',
    trace: `SyntaxError: Unexpected end of JSON input
    at JSON.parse (<anonymous>)
    at new Promise (<anonymous>)
    at Array.forEach (native)
    at parse (/srv/app/p.js:2:17)`,
    frames: ['parse | /srv/app/p.js | 2 | 17 | app'],
    crash: 'parse | /srv/app/p.js | 2 | 17 | app',
  },
  {
    name: 'Chrome: query and fragment removed from URLs',
    trace: `Error: price missing
    at formatPrice (https://app.example.com/static/app.js?v=123#frag:10:11)
    at https://app.example.com/index.html?engine=chromium&run=1:24:3`,
    frames: [
      'formatPrice | https://app.example.com/static/app.js | 10 | 11 | app',
      ' | https://app.example.com/index.html | 24 | 3 | app',
    ],
    crash: 'formatPrice | https://app.example.com/static/app.js | 10 | 11 | app',
  },
  {
    name: 'webpack:// URLs: ./src is in-app, node_modules and ~ are not; no space before "("',
    trace: `TypeError: boom
   at TESTTESTTEST.eval(webpack:///./node_modules/lodash/lodash.js?:295:108)
   at helper (webpack:///~/react-dom/lib/ReactDOM.js:12:3)
   at TESTTESTTEST.render(webpack:///./src/components/test/test.jsx?:44:7)`,
    frames: [
      'TESTTESTTEST.eval | webpack:///./node_modules/lodash/lodash.js | 295 | 108 | lib',
      'helper | webpack:///~/react-dom/lib/ReactDOM.js | 12 | 3 | lib',
      'TESTTESTTEST.render | webpack:///./src/components/test/test.jsx | 44 | 7 | app',
    ],
    crash: 'TESTTESTTEST.render | webpack:///./src/components/test/test.jsx | 44 | 7 | app',
  },
  {
    name: 'chrome-extension:// frames are third-party, even as the innermost frame',
    trace: `TypeError: Cannot read properties of null (reading 'x')
    at inject (chrome-extension://abcdefghijklmnopabcdefghijklmnop/content.js?v=1:8:20)
    at HTMLButtonElement.onclick (https://app.example.com/checkout:1:1)`,
    frames: [
      'inject | chrome-extension://abcdefghijklmnopabcdefghijklmnop/content.js | 8 | 20 | lib',
      'HTMLButtonElement.onclick | https://app.example.com/checkout | 1 | 1 | app',
    ],
    crash: 'HTMLButtonElement.onclick | https://app.example.com/checkout | 1 | 1 | app',
  },
  {
    name: 'only extension frames: the innermost one is the crash frame',
    trace: `Error: x
    at run (chrome-extension://abcdefghijklmnopabcdefghijklmnop/bg.js:3:9)`,
    frames: ['run | chrome-extension://abcdefghijklmnopabcdefghijklmnop/bg.js | 3 | 9 | lib'],
    crash: 'run | chrome-extension://abcdefghijklmnopabcdefghijklmnop/bg.js | 3 | 9 | lib',
  },
  {
    name: 'blob URL, bare file name with a webpack hash query, Electron path',
    trace: `Error: shapes
    at s (blob:http%3A//localhost%3A8080/abfc40e9-4742-44ed-9dcd-af8f99a29379:31:29146)
      at doDiscoverQuery (genericDiscoverQuery.tsx?33f8:328:1)
            at TESTTESTTEST.someMethod (C:\\Users\\user\\path\\to\\file.js:295:108)`,
    frames: [
      's | blob:http%3A//localhost%3A8080/abfc40e9-4742-44ed-9dcd-af8f99a29379 | 31 | 29146 | app',
      'doDiscoverQuery | genericDiscoverQuery.tsx?33f8 | 328 | 1 | app',
      'TESTTESTTEST.someMethod | C:\\Users\\user\\path\\to\\file.js | 295 | 108 | app',
    ],
    crash: 's | blob:http%3A//localhost%3A8080/abfc40e9-4742-44ed-9dcd-af8f99a29379 | 31 | 29146 | app',
  },
  {
    name: 'wasm frames have a file but no line; the function may contain parentheses',
    trace: `RuntimeError: unreachable
    at MyClass::bar(int) const (http://localhost:8001/main.wasm:wasm-function[190]:0x5aeb)
    at run (http://localhost:8001/main.js:12:5)`,
    frames: [
      'MyClass::bar(int) const | http://localhost:8001/main.wasm | - | - | app',
      'run | http://localhost:8001/main.js | 12 | 5 | app',
    ],
    crash: 'MyClass::bar(int) const | http://localhost:8001/main.wasm | - | - | app',
  },
  {
    name: 'adversarial names (stack-utils): repeated location, brackets, parentheses in the file',
    trace: `Error: names
    at Object.asdf (/srv/gen/fixture.js:420:69) (/srv/gen/fixture.js:420:69)
    at Object.[some (weird) [<symbolism>]] [as foo] (/srv/gen/fixture.js:420:69)
    at x (     f[i](l<e>:.js:1:2)    :1:33)
    at weird name (x) @ y (/srv/app/corpus.js:29:58)
    at evalmachine.<anonymous>:1:17`,
    frames: [
      'Object.asdf (/srv/gen/fixture.js:420:69) | /srv/gen/fixture.js | 420 | 69 | app',
      'Object.[some (weird) [<symbolism>]] [as foo] | /srv/gen/fixture.js | 420 | 69 | app',
      'x |      f[i](l<e>:.js:1:2)     | 1 | 33 | app',
      'weird name (x) @ y | /srv/app/corpus.js | 29 | 58 | app',
      ' | evalmachine.<anonymous> | 1 | 17 | lib',
    ],
    crash: 'Object.asdf (/srv/gen/fixture.js:420:69) | /srv/gen/fixture.js | 420 | 69 | app',
  },
  {
    name: 'getters, private methods and computed names as V8 prints them',
    trace: `RangeError: bad
    at get total [as total] (/srv/app/getter.js:11:13)
    at #priv (/srv/app/getter.js:3:9)
    at o.<computed> [as computed1] (/srv/app/getter.js:5:1)
    at [Symbol.iterator] (/srv/app/getter.js:7:2)`,
    frames: [
      'get total [as total] | /srv/app/getter.js | 11 | 13 | app',
      '#priv | /srv/app/getter.js | 3 | 9 | app',
      'o.<computed> [as computed1] | /srv/app/getter.js | 5 | 1 | app',
      '[Symbol.iterator] | /srv/app/getter.js | 7 | 2 | app',
    ],
    crash: 'get total [as total] | /srv/app/getter.js | 11 | 13 | app',
  },
  {
    name: 'IE/Edge (Chakra): 3-space indent, "Anonymous function", native code and eval code',
    trace: `TypeError: Unable to get property 'undef' of undefined or null reference
   at Array.prototype.map (native code)
   at eval code (eval code:1:18)
   at Anonymous function (http://path/to/file.js:47:21)
   at Global code (http://localhost:8080/file.js:32:9)`,
    frames: [
      'eval code | eval code | 1 | 18 | lib',
      'Anonymous function | http://path/to/file.js | 47 | 21 | app',
      'Global code | http://localhost:8080/file.js | 32 | 9 | app',
    ],
    crash: 'Anonymous function | http://path/to/file.js | 47 | 21 | app',
  },
  {
    name: 'PhantomJS: no column',
    trace: `Error: phantom
    at foo (http://path/to/file.js:4283)
    at http://path/to/file.js:4287`,
    frames: ['foo | http://path/to/file.js | 4283 | - | app', ' | http://path/to/file.js | 4287 | - | app'],
    crash: 'foo | http://path/to/file.js | 4283 | - | app',
  },
  {
    name: 'React Native: Hermes "address at", and V8 without a space before "("',
    trace: `Error: rn
    at onPress (address at index.android.bundle:1:452701)
    at Object.onPress(index.android.bundle:2342:3773)`,
    frames: [
      'onPress | index.android.bundle | 1 | 452701 | app',
      'Object.onPress | index.android.bundle | 2342 | 3773 | app',
    ],
    crash: 'onPress | index.android.bundle | 1 | 452701 | app',
  },
  {
    name: 'Safari extension frame wrapped in an "at" line',
    trace: `Error: clip
      at ClipperError@safari-extension:(//3284871F-A480-4FFC-8BC4-3F362C752446/2665fee0/commons.js:223036:10)
      at save (https://app.example.com/app.js:5:5)`,
    frames: [
      'ClipperError | safari-extension://3284871F-A480-4FFC-8BC4-3F362C752446/2665fee0/commons.js | 223036 | 10 | lib',
      'save | https://app.example.com/app.js | 5 | 5 | app',
    ],
    crash: 'save | https://app.example.com/app.js | 5 | 5 | app',
  },
  {
    name: 'message lines starting with "at" are not frames',
    trace: `Error: parse failed
at position 12 of the input
    at parse (/srv/app/parse.js:9:3)`,
    frames: ['parse | /srv/app/parse.js | 9 | 3 | app'],
    crash: 'parse | /srv/app/parse.js | 9 | 3 | app',
  },
  {
    name: 'Deno file:// URL and data: URI module',
    trace: `Error: deno
    at dynamicFn (data:application/javascript,export function dynamicFn() {  throw new Error('x');};:1:38)
    at file:///home/app/main.ts:3:9`,
    frames: [
      "dynamicFn | data:application/javascript,export function dynamicFn() {  throw new Error('x');}; | 1 | 38 | app",
      ' | file:///home/app/main.ts | 3 | 9 | app',
    ],
    crash: "dynamicFn | data:application/javascript,export function dynamicFn() {  throw new Error('x');}; | 1 | 38 | app",
  },
];

describe('parseStack: V8 stacks', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const stack = parseStack(c.trace);
    expect(stack.format).toBe('v8');
    expect(stack.frames.map(show)).toEqual(c.frames);
    expect(show(pickCrashFrame(stack.frames))).toBe(c.crash);
  });

  it('a stack whose only frames have no file has no frames', () => {
    expect(parseStack('SyntaxError: Unexpected token\n    at JSON.parse (<anonymous>)')).toEqual({ format: 'unknown', frames: [] });
  });

  it('a header with no frames (fs callback error) has no frames', () => {
    expect(parseStack("Error: ENOENT: no such file or directory, open '/x'")).toEqual({ format: 'unknown', frames: [] });
  });
});
