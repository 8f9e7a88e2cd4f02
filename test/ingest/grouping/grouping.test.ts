// The grouping rules, table-driven: the primary exception, message events, Go panics, and pinned hashes.
import { describe, expect, it } from 'vitest';
import { crashFrameOf, isMessageEvent, messageFingerprint, primaryException, type EventFrame } from '../../../src/ingest/grouping/index.js';
import { prepareReport, prepareValidReport } from '../../../src/ingest/pipeline.js';
import { keyMatcher } from '../../../src/ingest/scrub.js';
import { eventToReport } from '../../../src/ingest/sentry/event-to-report.js';

const options = { isSecret: keyMatcher(), now: new Date('2026-03-01T12:00:00Z') };
const prepare = (event: Record<string, unknown>, project = 'shop') => {
  const r = eventToReport(event, project);
  return prepareValidReport(r.input, options, r.stack, r.grouping);
};
const st = (...frames: Array<Record<string, unknown>>) => ({ stacktrace: { frames } });

describe('primaryException', () => {
  const e = (name: string, mechanism?: Record<string, unknown>) => ({ type: name, ...(mechanism ? { mechanism } : {}) });
  it.each([
    ['no marks: the last', [e('Cause'), e('Main')], 'Main'],
    ['JS linked errors: exception_id 0 is last anyway', [e('Cause', { type: 'chained', exception_id: 1, parent_id: 0 }), e('Main', { type: 'generic', exception_id: 0 })], 'Main'],
    ['marked primary first', [e('Main', { exception_id: 0 }), e('Cause', { exception_id: 1, parent_id: 0 })], 'Main'],
    ['an exception group stands for its first child', [e('Leaf', { exception_id: 1, parent_id: 0 }), e('ExceptionGroup', { exception_id: 0, is_exception_group: true })], 'Leaf'],
    ['nested groups', [e('Leaf', { exception_id: 2, parent_id: 1 }), e('Inner', { exception_id: 1, parent_id: 0, is_exception_group: true }), e('Outer', { exception_id: 0, is_exception_group: true })], 'Leaf'],
    ['a group without children is itself', [e('ExceptionGroup', { exception_id: 0, is_exception_group: true })], 'ExceptionGroup'],
    ['a cycle of parent ids ends', [e('A', { exception_id: 0, parent_id: 1, is_exception_group: true }), e('B', { exception_id: 1, parent_id: 0, is_exception_group: true })], 'A'],
  ])('%s', (_name, chain, expected) => {
    expect(primaryException(chain)?.type).toBe(expected);
  });
  it('an empty chain has none', () => expect(primaryException([])).toBeUndefined());
});

describe('isMessageEvent', () => {
  it.each([
    ['no exception', [], false, true],
    ['no exception, no message', [], true, true],
    ['JS captureMessage with attachStacktrace', [{ value: 'm', mechanism: { type: 'generic', handled: true, synthetic: true } }], true, true],
    ['synthetic without a message (captureException of a plain object)', [{ type: 'Error', mechanism: { synthetic: true } }], false, false],
    ['a real exception', [{ type: 'Error', mechanism: { type: 'generic', handled: true } }], true, false],
    ['a real exception without a mechanism', [{ type: 'Error' }], true, false],
  ])('%s', (_name, exceptions, hasMessage, expected) => {
    expect(isMessageEvent(exceptions as Record<string, unknown>[], hasMessage)).toBe(expected);
  });
});

describe('crashFrameOf (innermost first)', () => {
  const f = (fn: string, module: string | undefined, line: number, inApp = true, file = 'main.go'): EventFrame => ({ file, line, column: null, function: fn, inApp, ...(module ? { module } : {}) });
  it.each([
    ['not Go: the innermost in-app frame', 'node', 'error', [f('lib', undefined, 1, false), f('handler', undefined, 2), f('main', undefined, 3)], 2],
    ['Go with runtime panic frames: the frame below them', 'go', 'fatal', [f('main.func1', 'main', 10), f('gopanic', 'runtime', 700, false, '/usr/lib/go/src/runtime/panic.go'), f('doWork', 'main', 20), f('main', 'main', 30)], 20],
    ['Go nil dereference: gopanic, panicmem, sigpanic', 'go', 'fatal', [f('main.func1', 'main', 10), f('gopanic', 'runtime', 1, false), f('panicmem', 'runtime', 2, false), f('sigpanic', 'runtime', 3, false), f('doWork', 'main', 21), f('main', 'main', 30)], 21],
    ['Go text traceback: panic(...) in runtime/panic.go', 'go', 'error', [f('main.main.func1', undefined, 10), f('panic', undefined, 914, false, '/usr/lib/go/src/runtime/panic.go'), f('main.doWork', undefined, 22)], 22],
    ['sentry-go 0.11 (runtime filtered): the deferred closure of main is skipped', 'go', 'fatal', [f('main.func1', 'main', 10), f('doWork', 'main', 23), f('main', 'main', 30)], 23],
    ['sentry-go newer names: module main.main, function func1', 'go', 'fatal', [f('func1', 'main.main', 10), f('doWork', 'main', 24), f('main', 'main', 30)], 24],
    ['a panic in main itself, recovered by its own closure', 'go', 'fatal', [f('main.func1', 'main', 10), f('main', 'main', 31)], 31],
    ['a closure whose function is not on the stack is the crash (an http handler)', 'go', 'fatal', [f('main.func2', 'main', 12), f('HandlerFunc.ServeHTTP', 'net/http', 2136, false)], 12],
    ['captureException (level error) keeps the innermost frame', 'go', 'error', [f('main.func1', 'main', 10), f('main', 'main', 30)], 10],
    ['a JS function named panic is not the runtime', 'node', 'error', [f('panic', undefined, 5), f('main', undefined, 6)], 5],
  ])('%s', (_name, platform, level, frames, expectedLine) => {
    expect(crashFrameOf(frames, { platform, level })?.line).toBe(expectedLine);
  });
  it('no frames: none', () => expect(crashFrameOf([], { platform: 'go', level: 'fatal' })).toBeNull());
});

describe('message events group by their template', () => {
  it.each([
    ['top-level message', { message: 'payment failed' }, 'payment failed'],
    ['logentry template before formatting', { logentry: { message: 'payment failed for %s', formatted: 'payment failed for o-1', params: ['o-1'] } }, 'payment failed for %s'],
    ['message object', { message: { message: 'tpl %s', formatted: 'tpl x' } }, 'tpl %s'],
    ['JS 11.x synthetic stack', { message: 'cart empty', exception: { values: [{ value: 'cart empty', mechanism: { type: 'generic', handled: true, synthetic: true }, ...st({ filename: '/app/log.js', lineno: 3, in_app: true }) }] } }, 'cart empty'],
  ])('%s', (_name, event, template) => {
    const report = prepare(event);
    expect(report.fingerprint).toBe(messageFingerprint('shop', template));
    expect(report.exceptionType).toBe('Message');
  });

  it('two messages through one helper (one synthetic frame) are two groups; one message twice is one', () => {
    const via = (m: string) => prepare({ message: m, exception: { values: [{ value: m, mechanism: { synthetic: true }, ...st({ filename: '/app/log.js', lineno: 3, in_app: true }) }] } });
    expect(via('a').fingerprint).not.toBe(via('b').fingerprint);
    expect(via('a').fingerprint).toBe(via('a').fingerprint);
    expect(via('a')).toMatchObject({ file: '/app/log.js', line: 3, message: 'a' });
  });

  it('a client fingerprint still wins', () => {
    expect(prepare({ message: 'm', fingerprint: ['x'] }).fingerprint).not.toBe(messageFingerprint('shop', 'm'));
  });
});

describe('no existing group changes its fingerprint (hashes pinned before the grouping module)', () => {
  const frames = (...fs: Array<Record<string, unknown>>) => ({ stacktrace: { frames: fs } });
  it.each([
    ['native V8 report', () => prepareReport({ project: 'shop', exception_type: 'TypeError', traceback: 'TypeError: x\n    at f (/srv/app/a.js:10:5)\n    at /srv/app/node_modules/l.js:1:1' }, options).fingerprint, '78055f570ece67e5162d5828a74c5457'],
    ['native report without traceback', () => prepareReport({ project: 'shop', exception_type: 'ValueError' }, options).fingerprint, 'be82440d6912eb119cab1ff7e983275e'],
    ['Python chain (the last one)', () => prepare({ platform: 'python', exception: { values: [{ type: 'KeyError', value: "'id'", ...frames({ filename: 'shop/orders.py', lineno: 13, in_app: true }) }, { type: 'ValueError', value: 'order id missing', mechanism: { type: 'generic', handled: true }, ...frames({ filename: 'shop/orders.py', lineno: 20, in_app: true }) }] } }).fingerprint, '73975f25200310eb043fb58581bedd1b'],
    ['Node exception', () => prepare({ platform: 'node', exception: { values: [{ type: 'Error', value: 'boom', mechanism: { type: 'generic', handled: true }, ...frames({ filename: '/srv/node_modules/x.js', lineno: 1, in_app: false }, { filename: '/srv/app/a.js', lineno: 7, colno: 3, in_app: true }) }] } }).fingerprint, '0e12fcc631d520dbcefac4c2eb91b453'],
    ['message', () => prepare({ message: 'payment failed', level: 'info' }).fingerprint, 'bbf367b1a376d0632880fa413ec20a5c'],
    ['logentry', () => prepare({ logentry: { message: 'payment failed for %s', formatted: 'payment failed for o-1' } }).fingerprint, 'b69b0d35037f81c34707597ea7912363'],
    ['Go captureException', () => prepare({ platform: 'go', level: 'error', exception: [{ type: '*errors.errorString', value: 'x', ...frames({ function: 'main', module: 'main', filename: 'main.go', abs_path: '/src/app/main.go', lineno: 30, in_app: true }, { function: 'load', module: 'main', filename: 'main.go', abs_path: '/src/app/main.go', lineno: 12, in_app: true }) }] }).fingerprint, 'e4e46c19ef36458ae9803d73dbf50e77'],
  ])('%s', (_name, compute, pinned) => {
    expect(compute()).toBe(pinned);
  });
});
