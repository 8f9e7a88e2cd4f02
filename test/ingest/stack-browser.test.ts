// Hand-written SpiderMonkey (Firefox) and JavaScriptCore (Safari) stacks (stack-formats.md §1.3, §1.4) through parseStack.
import { describe, expect, it } from 'vitest';
import { parseStack, pickCrashFrame } from '../../src/ingest/stack/parse.js';
import type { Frame, StackFormat } from '../../src/ingest/stack/types.js';

/** One frame as `function | file | line | column | app/lib`, so a whole stack reads as a list. */
const show = (f: Frame | null): string =>
  f === null ? 'none' : `${f.function} | ${f.file} | ${f.line ?? '-'} | ${f.column ?? '-'} | ${f.inApp ? 'app' : 'lib'}`;

interface Case {
  name: string;
  trace: string;
  format: StackFormat;
  /** Every frame, innermost first. */
  frames: string[];
  crash: string;
}

const firefox: Case[] = [
  {
    name: 'common shapes: getter, symbol method, anonymous top level; trailing newline',
    format: 'firefox',
    trace: `thrower@/srv/app/corpus.js:5:28
named@/srv/app/corpus.js:6:20
get g@/srv/app/corpus.js:9:89
[Symbol.iterator]@/srv/app/corpus.js:9:132
@/srv/app/corpus.js:17:131
`,
    frames: [
      'thrower | /srv/app/corpus.js | 5 | 28 | app',
      'named | /srv/app/corpus.js | 6 | 20 | app',
      'get g | /srv/app/corpus.js | 9 | 89 | app',
      '[Symbol.iterator] | /srv/app/corpus.js | 9 | 132 | app',
      ' | /srv/app/corpus.js | 17 | 131 | app',
    ],
    crash: 'thrower | /srv/app/corpus.js | 5 | 28 | app',
  },
  {
    name: '"> eval" and "> Function" frames: the call site, not in-app',
    format: 'firefox',
    trace: `inEval@/srv/app/corpus.js line 21 > eval:1:21
@/srv/app/corpus.js line 21 > eval:2:1
anonymous@https://app.example.com/app.js?v=9 line 22 > Function:3:1
deep@https://app.example.com/app.js line 30 > eval line 1 > eval:1:5
run@/srv/app/corpus.js:21:31
`,
    frames: [
      'inEval | /srv/app/corpus.js | 21 | - | lib',
      ' | /srv/app/corpus.js | 21 | - | lib',
      'anonymous | https://app.example.com/app.js | 22 | - | lib',
      'deep | https://app.example.com/app.js | 30 | - | lib',
      'run | /srv/app/corpus.js | 21 | 31 | app',
    ],
    crash: 'run | /srv/app/corpus.js | 21 | 31 | app',
  },
  {
    name: 'async-cause prefixes are not part of the name',
    format: 'firefox',
    trace: `thrower@/srv/app/corpus.js:5:28
a2@/srv/app/corpus.js:35:35
async*a1@/srv/app/corpus.js:36:41
async*@/srv/app/corpus.js:37:1
promise callback*load@https://app.example.com/app.js:40:2
setTimeout handler*tick@https://app.example.com/app.js:41:3
EventListener.handleEvent*onClick@https://app.example.com/app.js:42:4
`,
    frames: [
      'thrower | /srv/app/corpus.js | 5 | 28 | app',
      'a2 | /srv/app/corpus.js | 35 | 35 | app',
      'a1 | /srv/app/corpus.js | 36 | 41 | app',
      ' | /srv/app/corpus.js | 37 | 1 | app',
      'load | https://app.example.com/app.js | 40 | 2 | app',
      'tick | https://app.example.com/app.js | 41 | 3 | app',
      'onClick | https://app.example.com/app.js | 42 | 4 | app',
    ],
    crash: 'thrower | /srv/app/corpus.js | 5 | 28 | app',
  },
  {
    name: '"@" inside names and URLs',
    format: 'firefox',
    trace: `@fn@/srv/app/sm2.js:6:45
obj["@fn"]@Scratchpad/1:10:29
who@http://localhost:5000/misc/@stuff/foo.js:3:9
obj["@who"]@http://localhost:5000/misc/@stuff/foo.js:4:9
`,
    frames: [
      '@fn | /srv/app/sm2.js | 6 | 45 | app',
      'obj["@fn"] | Scratchpad/1 | 10 | 29 | app',
      'who | http://localhost:5000/misc/@stuff/foo.js | 3 | 9 | app',
      'obj["@who"] | http://localhost:5000/misc/@stuff/foo.js | 4 | 9 | app',
    ],
    crash: '@fn | /srv/app/sm2.js | 6 | 45 | app',
  },
  {
    name: 'old Firefox: argument values after the name, no columns',
    format: 'firefox',
    trace: `()@http://127.0.0.1:8000/js/stacktrace.js:44
(null)@http://127.0.0.1:8000/js/stacktrace.js:31
bar(1)@http://127.0.0.1:8000/js/file.js:13
@file:///G:/js/file.js:24
`,
    frames: [
      ' | http://127.0.0.1:8000/js/stacktrace.js | 44 | - | app',
      ' | http://127.0.0.1:8000/js/stacktrace.js | 31 | - | app',
      'bar | http://127.0.0.1:8000/js/file.js | 13 | - | app',
      ' | file:///G:/js/file.js | 24 | - | app',
    ],
    crash: ' | http://127.0.0.1:8000/js/stacktrace.js | 44 | - | app',
  },
  {
    name: 'inferred names with "/<", a name starting with "["',
    format: 'firefox',
    trace: `test/</<@/srv/app/sm2.js:2:77
App.prototype.run@/srv/app/sm2.js:4:75
[2]</Bar.prototype._baz/</<@http://path/to/file.js:703:28
parcelRequire<["fx.js"]</<@http://path/to/fx.js:5:1
`,
    frames: [
      'test/</< | /srv/app/sm2.js | 2 | 77 | app',
      'App.prototype.run | /srv/app/sm2.js | 4 | 75 | app',
      '[2]</Bar.prototype._baz/</< | http://path/to/file.js | 703 | 28 | app',
      'parcelRequire<["fx.js"]</< | http://path/to/fx.js | 5 | 1 | app',
    ],
    crash: 'test/</< | /srv/app/sm2.js | 2 | 77 | app',
  },
  {
    name: 'query and fragment of page and script URLs are removed; moz-extension is third-party',
    format: 'firefox',
    trace: `inject@moz-extension://2c127fa4-62c7-7e4f-90e5-472b45eecfdc/content.js:3:7
validateSignupForm@https://app.example.com/index.html?engine=firefox&run=1#corpus:17:13
runAnon/<@https://app.example.com/static/app.js?v=123#frag:35:11
`,
    frames: [
      'inject | moz-extension://2c127fa4-62c7-7e4f-90e5-472b45eecfdc/content.js | 3 | 7 | lib',
      'validateSignupForm | https://app.example.com/index.html | 17 | 13 | app',
      'runAnon/< | https://app.example.com/static/app.js | 35 | 11 | app',
    ],
    crash: 'validateSignupForm | https://app.example.com/index.html | 17 | 13 | app',
  },
  {
    name: 'gjs: Windows and resource:// locations, node_modules in a bundle path',
    format: 'firefox',
    trace: `fromWin@C:\\app\\src\\x.js:2:3
lib@resource:///org/gnome/shell/ui/main.js:10:5
helper@webpack:///./node_modules/lodash/lodash.js:9:9
`,
    frames: [
      'fromWin | C:\\app\\src\\x.js | 2 | 3 | app',
      'lib | resource:///org/gnome/shell/ui/main.js | 10 | 5 | app',
      'helper | webpack:///./node_modules/lodash/lodash.js | 9 | 9 | lib',
    ],
    crash: 'fromWin | C:\\app\\src\\x.js | 2 | 3 | app',
  },
];

const safari: Case[] = [
  {
    name: 'JSC: [native code] frames are skipped, global code is a named top-level frame',
    format: 'safari',
    trace: `thrower@/srv/app/corpus.js:5:37
named@/srv/app/corpus.js:6:27
@/srv/app/corpus.js:19:65
map@[native code]
@/srv/app/corpus.js:19:44
show@/srv/app/corpus.js:3:11
global code@/srv/app/corpus.js:19:5`,
    frames: [
      'thrower | /srv/app/corpus.js | 5 | 37 | app',
      'named | /srv/app/corpus.js | 6 | 27 | app',
      ' | /srv/app/corpus.js | 19 | 65 | app',
      ' | /srv/app/corpus.js | 19 | 44 | app',
      'show | /srv/app/corpus.js | 3 | 11 | app',
      'global code | /srv/app/corpus.js | 19 | 5 | app',
    ],
    crash: 'thrower | /srv/app/corpus.js | 5 | 37 | app',
  },
  {
    name: 'JSC eval: frames with an empty location are skipped',
    format: 'safari',
    trace: `inEval@
eval code@
eval@[native code]
@/srv/app/corpus.js:21:41
global code@/srv/app/corpus.js:21:5`,
    frames: [' | /srv/app/corpus.js | 21 | 41 | app', 'global code | /srv/app/corpus.js | 21 | 5 | app'],
    crash: ' | /srv/app/corpus.js | 21 | 41 | app',
  },
  {
    name: 'Safari 9 nested eval: bare names without "@" are skipped',
    format: 'safari',
    trace: `baz
foo
eval code
eval@[native code]
speak@http://localhost:8080/file.js:26:21
global code@http://localhost:8080/file.js:33:18`,
    frames: [
      'speak | http://localhost:8080/file.js | 26 | 21 | app',
      'global code | http://localhost:8080/file.js | 33 | 18 | app',
    ],
    crash: 'speak | http://localhost:8080/file.js | 26 | 21 | app',
  },
  {
    name: 'JSC module code with a relative path after a native frame',
    format: 'safari',
    trace: `parse@[native code]
module code@generators/js/jsc_module.mjs:11:17`,
    frames: ['module code | generators/js/jsc_module.mjs | 11 | 17 | app'],
    crash: 'module code | generators/js/jsc_module.mjs | 11 | 17 | app',
  },
  {
    name: 'Safari 6–8: a bare URL first frame, no column, a bare [native code] line',
    format: 'safari',
    trace: `http://path/to/file.js:48:22
foo@http://path/to/file.js:52:15
@http://path/to/file.js:48
[native code]
global code@http://path/to/file.js:60`,
    frames: [
      ' | http://path/to/file.js | 48 | 22 | app',
      'foo | http://path/to/file.js | 52 | 15 | app',
      ' | http://path/to/file.js | 48 | - | app',
      'global code | http://path/to/file.js | 60 | - | app',
    ],
    crash: ' | http://path/to/file.js | 48 | 22 | app',
  },
  {
    name: 'safari-extension frames are third-party; with nothing else they are still the crash frame',
    format: 'safari',
    trace: `isClaimed@safari-extension://com.grammarly.safari.extension.ext2-W8F64X92K3/ee7759dd/Grammarly.js:2:929865
promiseReactionJob@[native code]`,
    frames: ['isClaimed | safari-extension://com.grammarly.safari.extension.ext2-W8F64X92K3/ee7759dd/Grammarly.js | 2 | 929865 | lib'],
    crash: 'isClaimed | safari-extension://com.grammarly.safari.extension.ext2-W8F64X92K3/ee7759dd/Grammarly.js | 2 | 929865 | lib',
  },
  {
    name: 'WebKit page: inline script and node_modules bundle',
    format: 'safari',
    trace: `format@https://app.example.com/node_modules/.vite/deps/dayjs.js?v=5e1f:88:12
validateSignupForm@https://app.example.com/index.html:17:22
global code@https://app.example.com/index.html:21:21`,
    frames: [
      'format | https://app.example.com/node_modules/.vite/deps/dayjs.js | 88 | 12 | lib',
      'validateSignupForm | https://app.example.com/index.html | 17 | 22 | app',
      'global code | https://app.example.com/index.html | 21 | 21 | app',
    ],
    crash: 'validateSignupForm | https://app.example.com/index.html | 17 | 22 | app',
  },
];

describe('parseStack: SpiderMonkey and JavaScriptCore stacks', () => {
  it.each([...firefox, ...safari].map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const stack = parseStack(c.trace);
    expect(stack.format).toBe(c.format);
    expect(stack.frames.map(show)).toEqual(c.frames);
    expect(show(pickCrashFrame(stack.frames))).toBe(c.crash);
  });

  it('a plain fn@url stack with no engine-specific line is labelled firefox, consistently', () => {
    const trace = 'onRetryTimer@https://app.example.com/static/app.js:137:22';
    expect(parseStack(trace).format).toBe('firefox');
    expect(parseStack(`${trace}\n${trace}`).format).toBe('firefox');
  });

  it('a telling line decides between the engines, whichever position it has', () => {
    expect(parseStack('a@/x.js:1:2\nb@/x.js:2:2\nglobal code@/x.js:3:1').format).toBe('safari');
    expect(parseStack('a@/x.js:1:2\nasync*b@/x.js:2:2\n@/x.js:3:1').format).toBe('firefox');
  });
});
