// Length caps on stored texts (issue 14, finding 5): the cuts, and the README table that states them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { boundJson, capReport, cutText, cutTraceback, LIMITS } from '../../src/ingest/limits.js';
import { prepareReport } from '../../src/ingest/pipeline.js';
import { keyMatcher } from '../../src/ingest/scrub.js';
import { parseStack, pickCrashFrame } from '../../src/ingest/stack/parse.js';
import { preparedReport } from '../helper.js';

const prepare = (body: Record<string, unknown>) => prepareReport(body, { isSecret: keyMatcher([]), now: new Date('2026-03-01T12:00:00Z') });

describe('cutText', () => {
  it('keeps short text, cuts long text to the cap with a closing mark, never halving a surrogate pair', () => {
    expect(cutText('abc', 3)).toBe('abc');
    expect(cutText('abcdef', 4)).toBe('abc…');
    // the emoji is two code units: keeping three would keep half of one
    expect(cutText(`ab${'😀'.repeat(5)}`, 4)).toBe('ab…');
    expect(cutText(`ab${'😀'.repeat(5)}`, 5)).toBe('ab😀…');
  });
});

describe('cutTraceback', () => {
  const python = (frames: number) =>
    'Traceback (most recent call last):\n' +
    Array.from({ length: frames }, (_, i) => `  File "/srv/app/mod${i}.py", line ${i + 1}, in f${i}\n    call_next()\n`).join('') +
    'RecursionError: maximum recursion depth exceeded\n';
  const v8 = (frames: number) => `RangeError: too deep\n${Array.from({ length: frames }, (_, i) => `    at f${i} (/srv/app/m${i}.js:${i + 1}:3)`).join('\n')}`;

  it('keeps head and tail within the cap, and the crash frame of Python (last) and V8 (first)', () => {
    for (const [trace, crashFile] of [[python(9000), '/srv/app/mod8999.py'], [v8(9000), '/srv/app/m0.js']] as const) {
      expect(trace.length).toBeGreaterThan(LIMITS.traceback.max);
      const cut = cutTraceback(trace, LIMITS.traceback.max);
      expect(cut.length).toBeLessThanOrEqual(LIMITS.traceback.max);
      expect(cut).toMatch(/\n… \d+ characters cut …\n/);
      expect(pickCrashFrame(parseStack(cut).frames)?.file).toBe(crashFile);
    }
    expect(cutTraceback(python(3), 1000)).toBe(python(3));
  });
});

describe('boundJson', () => {
  it('passes what fits as it is, and cuts the rest to the cap, saying what is missing', () => {
    const small = { a: 1 };
    expect(boundJson(small, 100).value).toBe(small);
    const big = { huge: 'x'.repeat(100_000), many: Array.from({ length: 5000 }, (_, i) => i), ...Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, 'v'])) };
    const { value, length } = boundJson(big, 4096);
    expect(JSON.stringify(value).length).toBe(length);
    expect(length).toBeLessThanOrEqual(4096);
    expect(JSON.stringify(value)).toMatch(/more (keys|items) cut/);
  });

  it('keeps a __proto__ key as data', () => {
    const hostile = JSON.parse(`{"__proto__": {"polluted": true}, "pad": "${'y'.repeat(5000)}"}`) as Record<string, unknown>;
    const { value } = boundJson(hostile, 1000);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('capReport', () => {
  it('caps every stored text, and an occurrence as a whole', () => {
    const r = capReport(
      preparedReport({
        message: 'm'.repeat(1_000_000),
        traceback: 't\n'.repeat(500_000),
        file: 'f'.repeat(10_000),
        function: 'g'.repeat(10_000),
        requestUrl: `https://x/${'u'.repeat(100_000)}`,
        requestHeaders: { cookie: 'c'.repeat(100_000) },
        extra: { blob: Array.from({ length: 100_000 }, (_, i) => `item ${i}`) },
        userId: 'u'.repeat(1000),
        release: 'r'.repeat(1000),
        environment: 'e'.repeat(1000),
      }),
    );
    for (const key of ['message', 'traceback', 'file', 'function', 'requestUrl', 'userId', 'release', 'environment'] as const) {
      expect(r[key]!.length, key).toBeLessThanOrEqual(LIMITS[key].max);
    }
    expect(JSON.stringify(r.requestHeaders).length).toBeLessThanOrEqual(LIMITS.requestHeaders.max);
    expect(JSON.stringify(r.extra).length).toBeLessThanOrEqual(LIMITS.extra.max);
    const occurrence = [r.message, r.requestUrl, r.requestMethod, JSON.stringify(r.requestHeaders), r.userId, JSON.stringify(r.extra), r.release, r.environment];
    expect(occurrence.reduce((n, s) => n + (s?.length ?? 0), 0)).toBeLessThanOrEqual(LIMITS.occurrence.max);
  });

  it('groups on the whole text: a cut never moves a report to another group', () => {
    const long = `/srv/app/${'d/'.repeat(2000)}`;
    const a = prepare({ project: 'shop', exception_type: 'E', traceback: `E: x\n    at f (${long}a.js:1:1)` });
    const b = prepare({ project: 'shop', exception_type: 'E', traceback: `E: x\n    at f (${long}b.js:1:1)` });
    expect(a.file).toBe(b.file); // the same once cut
    expect(a.fingerprint).not.toBe(b.fingerprint);
  });
});

describe('README', () => {
  it('states every limit with its value in the Security > Limits table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const limits = readme.slice(readme.indexOf('### Limits'));
    for (const [key, { max }] of Object.entries(LIMITS)) {
      const name = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      expect(limits, key).toContain(`| \`${name}\` | ${max} characters |`);
    }
  });
});
