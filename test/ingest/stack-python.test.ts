// Hand-written CPython tracebacks (samples and edge cases of /work/shared/stack-formats.md §1.1) through parseStack.
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
    name: 'explicit cause chain (3.12): only the final exception counts',
    trace: `Traceback (most recent call last):
  File "/srv/pygen/app/s03_direct_cause.py", line 6, in read
    return parse("{bad json")
           ^^^^^^^^^^^^^^^^^^
  File "/srv/pygen/app/helpers.py", line 4, in parse
    return json.loads(s)
           ^^^^^^^^^^^^^
  File "/usr/local/lib/python3.12/json/decoder.py", line 353, in raw_decode
    obj, end = self.scan_once(s, idx)
               ^^^^^^^^^^^^^^^^^^^^^^
json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/srv/pygen/app/s03_direct_cause.py", line 9, in <module>
    read()
  File "/srv/pygen/app/s03_direct_cause.py", line 8, in read
    raise ConfigError("cannot parse settings") from e
ConfigError: cannot parse settings
`,
    frames: [
      'read | /srv/pygen/app/s03_direct_cause.py | 8 | - | app',
      '<module> | /srv/pygen/app/s03_direct_cause.py | 9 | - | app',
    ],
    crash: 'read | /srv/pygen/app/s03_direct_cause.py | 8 | - | app',
  },
  {
    name: 'implicit context chain: the final block has no app frame, so its innermost frame wins over the cause',
    trace: `Traceback (most recent call last):
  File "/srv/app/loader.py", line 3, in load
    return cfg["db"]
KeyError: 'db'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/usr/lib/python3.10/logging/__init__.py", line 1100, in emit
    msg = self.format(record)
  File "/usr/lib/python3.10/logging/__init__.py", line 943, in format
    return fmt.format(record)
TypeError: not all arguments converted during string formatting
`,
    frames: [
      'format | /usr/lib/python3.10/logging/__init__.py | 943 | - | lib',
      'emit | /usr/lib/python3.10/logging/__init__.py | 1100 | - | lib',
    ],
    crash: 'format | /usr/lib/python3.10/logging/__init__.py | 943 | - | lib',
  },
  {
    name: 'ExceptionGroup (3.11): the group is the escaping exception; sub-exceptions are deeper margins',
    trace: `  + Exception Group Traceback (most recent call last):
  |   File "/srv/pygen/app/s06_exception_group.py", line 15, in <module>
  |     collect()
  |   File "/srv/pygen/app/s06_exception_group.py", line 14, in collect
  |     raise ExceptionGroup("many things failed", errs)
  | ExceptionGroup: many things failed (3 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/srv/pygen/app/s06_exception_group.py", line 7, in collect
    |     f()
    |   File "/srv/pygen/app/s06_exception_group.py", line 1, in a
    |     def a(): raise ValueError("bad value")
    |              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
    | ValueError: bad value
    +---------------- 2 ----------------
    | Traceback (most recent call last):
    |   File "/srv/pygen/app/s06_exception_group.py", line 7, in collect
    |     f()
    |   File "/srv/pygen/app/s06_exception_group.py", line 2, in b
    |     def b(): raise TypeError("bad type")
    |              ^^^^^^^^^^^^^^^^^^^^^^^^^^^
    | TypeError: bad type
    +---------------- 3 ----------------
    | ExceptionGroup: inner group (1 sub-exception)
    +-+---------------- 1 ----------------
      | Traceback (most recent call last):
      |   File "/srv/pygen/app/s06_exception_group.py", line 11, in collect
      |     raise OSError("disk")
      | OSError: disk
      +------------------------------------
`,
    frames: [
      'collect | /srv/pygen/app/s06_exception_group.py | 14 | - | app',
      '<module> | /srv/pygen/app/s06_exception_group.py | 15 | - | app',
    ],
    crash: 'collect | /srv/pygen/app/s06_exception_group.py | 14 | - | app',
  },
  {
    name: 'ExceptionGroup with a raised sub-group: its own "Exception Group Traceback" is one level deeper',
    trace: `  + Exception Group Traceback (most recent call last):
  |   File "/srv/app/nested_groups.py", line 12, in <module>
  |     outer()
  |   File "/srv/app/nested_groups.py", line 10, in outer
  |     raise ExceptionGroup("outer", [e])
  | ExceptionGroup: outer (1 sub-exception)
  +-+---------------- 1 ----------------
    | Exception Group Traceback (most recent call last):
    |   File "/srv/app/nested_groups.py", line 8, in outer
    |     inner()
    |   File "/srv/app/nested_groups.py", line 4, in inner
    |     raise ExceptionGroup("inner", [ValueError("v")])
    | ExceptionGroup: inner (1 sub-exception)
    +-+---------------- 1 ----------------
      | ValueError: v
      +------------------------------------
`,
    frames: [
      'outer | /srv/app/nested_groups.py | 10 | - | app',
      '<module> | /srv/app/nested_groups.py | 12 | - | app',
    ],
    crash: 'outer | /srv/app/nested_groups.py | 10 | - | app',
  },
  {
    name: 'ExceptionGroup raised while handling another exception: the group block is last',
    trace: `Traceback (most recent call last):
  File "/srv/app/g.py", line 3, in main
    cfg["x"]
KeyError: 'x'

During handling of the above exception, another exception occurred:

  + Exception Group Traceback (most recent call last):
  |   File "/srv/app/g.py", line 9, in <module>
  |     main()
  |   File "/srv/app/g.py", line 5, in main
  |     raise ExceptionGroup("failed", [ValueError("v")])
  | ExceptionGroup: failed (1 sub-exception)
  +-+---------------- 1 ----------------
    | ValueError: v
    +------------------------------------
`,
    frames: ['main | /srv/app/g.py | 5 | - | app', '<module> | /srv/app/g.py | 9 | - | app'],
    crash: 'main | /srv/app/g.py | 5 | - | app',
  },
  {
    name: 'ExceptionGroup as the cause of a plain exception: the plain one is last',
    trace: `  + Exception Group Traceback (most recent call last):
  |   File "/srv/app/g.py", line 4, in run
  |     raise ExceptionGroup("batch", [ValueError("v")])
  | ExceptionGroup: batch (1 sub-exception)
  +-+---------------- 1 ----------------
    | ValueError: v
    +------------------------------------

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/srv/app/g.py", line 8, in <module>
    raise RuntimeError("batch failed") from eg
RuntimeError: batch failed
`,
    frames: ['<module> | /srv/app/g.py | 8 | - | app'],
    crash: '<module> | /srv/app/g.py | 8 | - | app',
  },
  {
    name: '3.13 multi-line source and ~^ markers are skipped',
    trace: `Traceback (most recent call last):
  File "/srv/pygen/app/s22_multiline_expr.py", line 3, in <module>
    result = f(
        1,
        0,
    )
  File "/srv/pygen/app/s22_multiline_expr.py", line 2, in f
    return a / b
           ~~^~~
ZeroDivisionError: division by zero
`,
    frames: [
      'f | /srv/pygen/app/s22_multiline_expr.py | 2 | - | app',
      '<module> | /srv/pygen/app/s22_multiline_expr.py | 3 | - | app',
    ],
    crash: 'f | /srv/pygen/app/s22_multiline_expr.py | 2 | - | app',
  },
  {
    name: 'SyntaxError while importing: the pseudo-frame has no function',
    trace: `Traceback (most recent call last):
  File "/srv/pygen/app/s04_syntax_import.py", line 1, in <module>
    import bad_syntax_mod
  File "/srv/pygen/app/bad_syntax_mod.py", line 1
    def f(:
          ^
SyntaxError: invalid syntax
`,
    frames: [
      ' | /srv/pygen/app/bad_syntax_mod.py | 1 | - | app',
      '<module> | /srv/pygen/app/s04_syntax_import.py | 1 | - | app',
    ],
    crash: ' | /srv/pygen/app/bad_syntax_mod.py | 1 | - | app',
  },
  {
    name: 'SyntaxError at top level in 3.8: no header, path relative as typed',
    trace: `  File "s05_syntax_toplevel.py", line 3
    y = 1 +* 2
    ^
SyntaxError: invalid syntax
`,
    frames: [' | s05_syntax_toplevel.py | 3 | - | app'],
    crash: ' | s05_syntax_toplevel.py | 3 | - | app',
  },
  {
    name: 'SyntaxError at top level in 3.10+: absolute path',
    trace: `  File "/srv/pygen/app/s05_syntax_toplevel.py", line 1
    x = (1,
        ^
SyntaxError: '(' was never closed
`,
    frames: [' | /srv/pygen/app/s05_syntax_toplevel.py | 1 | - | app'],
    crash: ' | /srv/pygen/app/s05_syntax_toplevel.py | 1 | - | app',
  },
  {
    name: 'SyntaxError raised while handling another error: a header-less block after the separator',
    trace: `Traceback (most recent call last):
  File "/srv/app/plugins.py", line 5, in load
    import fast_impl
ModuleNotFoundError: No module named 'fast_impl'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/srv/app/plugins.py", line 7, in load
    import slow_impl
  File "/srv/app/slow_impl.py", line 2
    return x +
              ^
SyntaxError: invalid syntax
`,
    frames: [' | /srv/app/slow_impl.py | 2 | - | app', 'load | /srv/app/plugins.py | 7 | - | app'],
    crash: ' | /srv/app/slow_impl.py | 2 | - | app',
  },
  {
    name: 'logging.exception with a two-line message before the traceback (3.13)',
    trace: `2026-11-21 09:35:16,284 ERROR app.jobs: job failed
with two lines
Traceback (most recent call last):
  File "/srv/pygen/app/s12_logging.py", line 7, in <module>
    job()
    ~~~^^
  File "/srv/pygen/app/s12_logging.py", line 5, in job
    return {}["k"]
           ~~^^^^^
KeyError: 'k'
`,
    frames: [
      'job | /srv/pygen/app/s12_logging.py | 5 | - | app',
      '<module> | /srv/pygen/app/s12_logging.py | 7 | - | app',
    ],
    crash: 'job | /srv/pygen/app/s12_logging.py | 5 | - | app',
  },
  {
    name: 'thread preamble and stdlib threading frames',
    trace: `Exception in thread Worker-1:
Traceback (most recent call last):
  File "/usr/local/lib/python3.13/threading.py", line 1041, in _bootstrap_inner
    self.run()
    ~~~~~~~~^^
  File "/usr/local/lib/python3.13/threading.py", line 992, in run
    self._target(*self._args, **self._kwargs)
    ~~~~~~~~~~~~^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/srv/pygen/app/s13_thread.py", line 4, in work
    raise RuntimeError("worker died")
RuntimeError: worker died
`,
    frames: [
      'work | /srv/pygen/app/s13_thread.py | 4 | - | app',
      'run | /usr/local/lib/python3.13/threading.py | 992 | - | lib',
      '_bootstrap_inner | /usr/local/lib/python3.13/threading.py | 1041 | - | lib',
    ],
    crash: 'work | /srv/pygen/app/s13_thread.py | 4 | - | app',
  },
  {
    name: 'exec of compiled code: <string> frames have no source and are not in-app',
    trace: `Traceback (most recent call last):
  File "/srv/pygen/app/s14_exec.py", line 3, in <module>
    exec(compile(code, "<string>", "exec"))
  File "<string>", line 4, in <module>
  File "<string>", line 2, in dyn
ZeroDivisionError: division by zero
`,
    frames: [
      'dyn | <string> | 2 | - | lib',
      '<module> | <string> | 4 | - | lib',
      '<module> | /srv/pygen/app/s14_exec.py | 3 | - | app',
    ],
    crash: '<module> | /srv/pygen/app/s14_exec.py | 3 | - | app',
  },
  {
    name: 'python -c: the only frame is <string>, so it is the crash frame although not in-app',
    trace: `Traceback (most recent call last):
  File "<string>", line 1, in <module>
NameError: name 'undefined_name' is not defined
`,
    frames: ['<module> | <string> | 1 | - | lib'],
    crash: '<module> | <string> | 1 | - | lib',
  },
  {
    name: 'recursion: "[Previous line repeated …]" is not a frame',
    trace: `Traceback (most recent call last):
  File "/srv/pygen/app/s09_recursion.py", line 3, in <module>
    rec(0)
  File "/srv/pygen/app/s09_recursion.py", line 2, in rec
    def rec(n): return rec(n + 1)
                       ^^^^^^^^^^
  File "/srv/pygen/app/s09_recursion.py", line 2, in rec
    def rec(n): return rec(n + 1)
                       ^^^^^^^^^^
  File "/srv/pygen/app/s09_recursion.py", line 2, in rec
    def rec(n): return rec(n + 1)
                       ^^^^^^^^^^
  [Previous line repeated 996 more times]
RecursionError: maximum recursion depth exceeded
`,
    frames: [
      'rec | /srv/pygen/app/s09_recursion.py | 2 | - | app',
      'rec | /srv/pygen/app/s09_recursion.py | 2 | - | app',
      'rec | /srv/pygen/app/s09_recursion.py | 2 | - | app',
      '<module> | /srv/pygen/app/s09_recursion.py | 3 | - | app',
    ],
    crash: 'rec | /srv/pygen/app/s09_recursion.py | 2 | - | app',
  },
  {
    name: 'Windows paths: raw backslashes kept; \\Lib\\ and site-packages are not in-app',
    trace: `Traceback (most recent call last):
  File "C:\\Users\\dev\\proj\\app\\main.py", line 12, in handle
    data = fetch(url)
  File "C:\\Users\\dev\\proj\\.venv\\Lib\\site-packages\\requests\\api.py", line 73, in get
    return request("get", url, params=params, **kwargs)
  File "C:\\Python311\\Lib\\json\\decoder.py", line 355, in raw_decode
    raise JSONDecodeError("Expecting value", s, err.value) from None
json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)
`,
    frames: [
      'raw_decode | C:\\Python311\\Lib\\json\\decoder.py | 355 | - | lib',
      'get | C:\\Users\\dev\\proj\\.venv\\Lib\\site-packages\\requests\\api.py | 73 | - | lib',
      'handle | C:\\Users\\dev\\proj\\app\\main.py | 12 | - | app',
    ],
    crash: 'handle | C:\\Users\\dev\\proj\\app\\main.py | 12 | - | app',
  },
  {
    name: 'runpy: <frozen runpy> (3.11+) and lib/python3.X/runpy.py (≤ 3.10) are not in-app',
    trace: `Traceback (most recent call last):
  File "<frozen runpy>", line 198, in _run_module_as_main
  File "<frozen runpy>", line 88, in _run_code
  File "/srv/app/pkg/__main__.py", line 2, in <module>
    main()
  File "/home/dev/.pyenv/versions/3.12.1/lib/python3.12/argparse.py", line 1908, in parse_args
    self.error(msg % ' '.join(argv))
SystemExit: 2
`,
    frames: [
      'parse_args | /home/dev/.pyenv/versions/3.12.1/lib/python3.12/argparse.py | 1908 | - | lib',
      '<module> | /srv/app/pkg/__main__.py | 2 | - | app',
      '_run_code | <frozen runpy> | 88 | - | lib',
      '_run_module_as_main | <frozen runpy> | 198 | - | lib',
    ],
    crash: '<module> | /srv/app/pkg/__main__.py | 2 | - | app',
  },
  {
    name: 'virtualenv site-packages and Debian dist-packages are not in-app',
    trace: `Traceback (most recent call last):
  File "/srv/app/sync.py", line 9, in push
    requests.post(url, json=body).raise_for_status()
  File "/srv/app/.venv/lib/python3.12/site-packages/requests/models.py", line 1021, in raise_for_status
    raise HTTPError(http_error_msg, response=self)
requests.exceptions.HTTPError: 502 Server Error
`,
    frames: [
      'raise_for_status | /srv/app/.venv/lib/python3.12/site-packages/requests/models.py | 1021 | - | lib',
      'push | /srv/app/sync.py | 9 | - | app',
    ],
    crash: 'push | /srv/app/sync.py | 9 | - | app',
  },
  {
    name: 'colour output (3.13 with FORCE_COLOR): ANSI codes are removed before parsing',
    trace:
      'Traceback (most recent call last):\n' +
      '  File \x1b[35m"/srv/app/colour.py"\x1b[0m, line \x1b[35m5\x1b[0m, in \x1b[35m<module>\x1b[0m\n' +
      '    \x1b[31mboom\x1b[0m\x1b[1;31m()\x1b[0m\n' +
      '  File \x1b[35m"/srv/app/colour.py"\x1b[0m, line \x1b[35m2\x1b[0m, in \x1b[35mboom\x1b[0m\n' +
      '    raise ValueError("x")\n' +
      '\x1b[1;35mValueError\x1b[0m: \x1b[35mx\x1b[0m\n',
    frames: ['boom | /srv/app/colour.py | 2 | - | app', '<module> | /srv/app/colour.py | 5 | - | app'],
    crash: 'boom | /srv/app/colour.py | 2 | - | app',
  },
  {
    name: 'paths with spaces and double quotes: the last `", line ` ends the path',
    trace: `Traceback (most recent call last):
  File "/srv/my app/say "hi", line 2.py", line 4, in <lambda>
    f = lambda: 1 / 0
ZeroDivisionError: division by zero
`,
    frames: ['<lambda> | /srv/my app/say "hi", line 2.py | 4 | - | app'],
    crash: '<lambda> | /srv/my app/say "hi", line 2.py | 4 | - | app',
  },
  {
    name: 'a source line quoting a File line is not a frame (it is indented four spaces)',
    trace: `Traceback (most recent call last):
  File "/srv/app/doc.py", line 3, in show
    print('  File "/fake.py", line 1, in nothing'); raise OSError
OSError
`,
    frames: ['show | /srv/app/doc.py | 3 | - | app'],
    crash: 'show | /srv/app/doc.py | 3 | - | app',
  },
  {
    name: 'pasted from a UI without the header, message first',
    trace: `ValueError: invalid literal for int() with base 10: 'x'
  File "/srv/app/api/views.py", line 40, in dispatch
    return handler(request)
  File "/srv/app/api/orders.py", line 12, in create
    qty = int(request.POST["qty"])
`,
    frames: ['create | /srv/app/api/orders.py | 12 | - | app', 'dispatch | /srv/app/api/views.py | 40 | - | app'],
    crash: 'create | /srv/app/api/orders.py | 12 | - | app',
  },
  {
    name: 'asyncio "Task exception was never retrieved" preamble, Windows CRLF line ends',
    trace:
      'Task exception was never retrieved\r\n' +
      "future: <Task finished name='Task-2' coro=<poll() done> exception=ConnectionError('reset')>\r\n" +
      'Traceback (most recent call last):\r\n' +
      '  File "/srv/app/poller.py", line 8, in poll\r\n' +
      '    raise ConnectionError("reset")\r\n' +
      'ConnectionError: reset\r\n',
    frames: ['poll | /srv/app/poller.py | 8 | - | app'],
    crash: 'poll | /srv/app/poller.py | 8 | - | app',
  },
  {
    name: 'Jinja template and <decorator-gen-N> frames',
    trace: `Traceback (most recent call last):
  File "<decorator-gen-39>", line 2, in render
  File "/srv/app/templates/invoice.html", line 14, in top-level template code
    {{ order.total | money }}
  File "/srv/app/.venv/lib/python3.11/site-packages/jinja2/filters.py", line 1010, in do_money
    return f"{value:.2f}"
TypeError: unsupported format string passed to NoneType.__format__
`,
    frames: [
      'do_money | /srv/app/.venv/lib/python3.11/site-packages/jinja2/filters.py | 1010 | - | lib',
      'top-level template code | /srv/app/templates/invoice.html | 14 | - | app',
      'render | <decorator-gen-39> | 2 | - | lib',
    ],
    crash: 'top-level template code | /srv/app/templates/invoice.html | 14 | - | app',
  },
];

describe('parseStack: CPython tracebacks', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const stack = parseStack(c.trace);
    expect(stack.format).toBe('python');
    expect(stack.frames.map(show)).toEqual(c.frames);
    expect(show(pickCrashFrame(stack.frames))).toBe(c.crash);
  });

  it('gives the same crash frame for a trace and for the same trace in a bigger chain', () => {
    const final = cases[0]!.trace.slice(cases[0]!.trace.lastIndexOf('Traceback'));
    expect(pickCrashFrame(parseStack(final).frames)).toEqual(pickCrashFrame(parseStack(cases[0]!.trace).frames));
  });
});
