// The README's reporter snippets as pasted (Node, Python, Go), run for real against the real service.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Running } from '../spawn-server.js';

const OPERATOR = 'o'.repeat(40);
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const snippet = (fence: string, firstLine: string) => new RegExp('```' + fence + '\\n(' + firstLine + '[\\s\\S]*?)```').exec(README)![1]!;
/** The README's promise: a report fits the service's default body limit. */
const HUGE = 400_000;
const WARNING = /error-tracker: a report was not accepted \(401 [^\n]*later failures are not logged/g;

let dir: string;
let running: Running;
let ingestKey: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-reporters-'));
  running = await startServer(dir, { API_KEY: OPERATOR });
  // A project the snippets never name: its ingest key alone must route the reports to it.
  const res = await fetch(`${running.url}/api/projects`, {
    method: 'POST',
    headers: { 'x-api-key': OPERATOR, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'billing' }),
  });
  ingestKey = ((await res.json()) as { ingest_key: string }).ingest_key;
}, 60_000);
afterAll(async () => {
  running.child.kill('SIGTERM');
  await running.exited;
  rmSync(dir, { recursive: true, force: true });
});

function runIn(cwd: string, argv: string[], key: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ERROR_TRACKER_URL: running.url, ERROR_TRACKER_KEY: key },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

interface Group {
  id: number;
  exception_type: string;
  message: string;
  count: number;
  file: string;
  line: number;
}
async function groups(): Promise<Group[]> {
  const res = await fetch(`${running.url}/api/errors?project=billing&limit=200`, { headers: { 'x-api-key': OPERATOR } });
  return ((await res.json()) as { errors: Group[] }).errors;
}
async function traceback(id: number): Promise<string> {
  const res = await fetch(`${running.url}/api/errors/${id}`, { headers: { 'x-api-key': OPERATOR } });
  return ((await res.json()) as { error: { traceback: string } }).error.traceback;
}

/**
 * Each language's driver takes a mode: `same` reports one error three times (dedupe), `huge` one
 * error with a 400 KB message (over the body limit untrimmed), `distinct` three different errors.
 */
const languages = [
  {
    name: 'Node',
    setup(work: string) {
      writeFileSync(join(work, 'error-reporter.cjs'), snippet('js', '// error-reporter\\.js'));
      writeFileSync(
        join(work, 'app.cjs'),
        [
          "const { reportError } = require('./error-reporter.cjs');",
          'function fail(message) { throw new TypeError(message); }',
          `const mode = process.argv[2];`,
          `const messages = { same: ['cart is empty', 'cart is empty', 'cart is empty'], huge: ['x'.repeat(${HUGE})], distinct: ['a', 'b', 'c'] }[mode];`,
          'for (const m of messages) { try { fail(m); } catch (e) { reportError(e); } }',
          '',
        ].join('\n'),
      );
      return (mode: string) => ['node', 'app.cjs', mode];
    },
    type: 'TypeError',
    frame: (work: string) => ({ file: join(work, 'app.cjs'), line: 2 }),
  },
  {
    name: 'Python',
    setup(work: string) {
      writeFileSync(join(work, 'error_reporter.py'), snippet('python', '# error_reporter\\.py'));
      writeFileSync(
        join(work, 'app.py'),
        [
          'import sys, threading',
          'from error_reporter import report_error',
          'def checkout(message):',
          '    raise KeyError(message)',
          `messages = {"same": ["sku"] * 3, "huge": ["x" * ${HUGE}], "distinct": ["a", "b", "c"]}[sys.argv[1]]`,
          'for m in messages:',
          '    try:',
          '        checkout(m)',
          '    except KeyError as exc:',
          '        report_error(exc)',
          'for t in threading.enumerate():',
          '    if t is not threading.current_thread():',
          '        t.join(30)',
          '',
        ].join('\n'),
      );
      return (mode: string) => ['python3', 'app.py', mode];
    },
    type: 'KeyError',
    frame: (work: string) => ({ file: join(work, 'app.py'), line: 4 }),
  },
  {
    name: 'Go',
    setup(work: string) {
      mkdirSync(join(work, 'errreport'));
      writeFileSync(join(work, 'errreport', 'errreport.go'), snippet('go', '// errreport\\.go'));
      writeFileSync(join(work, 'go.mod'), 'module example.com/app\n\ngo 1.19\n');
      writeFileSync(
        join(work, 'main.go'),
        [
          'package main',
          '',
          'import (',
          '\t"errors"',
          '\t"net/http"',
          '\t"net/http/httptest"',
          '\t"os"',
          '\t"strings"',
          '',
          '\t"example.com/app/errreport"',
          ')',
          '',
          'func main() {',
          '\tmessages := map[string][]string{"same": {"card declined", "card declined", "card declined"},',
          `\t\t"huge": {strings.Repeat("x", ${HUGE})}, "distinct": {"a", "b", "c"}}[os.Args[1]]`,
          '\tfor _, m := range messages {',
          '\t\tm := m',
          '\t\th := errreport.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic(errors.New(m)) }))',
          '\t\th.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/checkout?step=2", nil))',
          '\t}',
          '\terrreport.Flush()',
          '}',
          '',
        ].join('\n'),
      );
      // Built once, run per mode: go run would compile three times.
      return (mode: string) => ['./app', mode];
    },
    build: ['go', 'build', '-o', 'app', '.'],
    type: '*errors.errorString',
    frame: undefined,
  },
] as const;

describe.each(languages)('the README reporter for $name', (lang) => {
  let work: string;
  let command: (mode: string) => string[];

  beforeAll(async () => {
    work = join(dir, lang.name.toLowerCase());
    mkdirSync(work);
    command = lang.setup(work);
    if ('build' in lang && lang.build) {
      const built = await runIn(work, [...lang.build], ingestKey);
      expect(built.code, built.output).toBe(0);
    }
  }, 300_000);

  it("reports to the ingest key's project, once for a repeated error, and logs nothing", { timeout: 60_000 }, async () => {
    const before = new Set((await groups()).map((g) => g.id));
    const res = await runIn(work, command('same'), ingestKey);
    expect(res.code, res.output).toBe(0);
    expect(res.output).not.toContain('error-tracker:');
    const added = (await groups()).filter((g) => !before.has(g.id));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ exception_type: lang.type, count: 1, ...(lang.frame ? lang.frame(work) : {}) });
  });

  it('trims a report over the body limit so that it arrives, crash frame kept', { timeout: 60_000 }, async () => {
    const res = await runIn(work, command('huge'), ingestKey);
    expect(res.code, res.output).toBe(0);
    expect(res.output).not.toContain('error-tracker:');
    // Same type and crash frame as the error above: the same group, its latest message the trimmed one.
    const group = (await groups()).find((g) => g.exception_type === lang.type && g.message.includes('x'.repeat(200))); // a list row's excerpt; Python quotes a KeyError's message
    expect(group).toBeDefined();
    expect(group).toMatchObject({ count: 2, ...(lang.frame ? lang.frame(work) : {}) });
    expect(group!.message.length).toBeLessThan(HUGE);
    const trace = await traceback(group!.id);
    expect(trace.length).toBeGreaterThan(0);
    expect(trace.length).toBeLessThan(HUGE);
  });

  it('logs the first failure once, with the answer, when the key is wrong', { timeout: 60_000 }, async () => {
    const res = await runIn(work, command('distinct'), 'f'.repeat(32));
    expect(res.code, res.output).toBe(0);
    expect(res.output.match(WARNING)).toHaveLength(1);
  });
});
