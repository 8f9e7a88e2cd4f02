// Message composition: header-safe subjects, escaped HTML, the held-back summary line.
import { describe, expect, it } from 'vitest';
import { composeAlert, heldSummary, oneLine, SUBJECT_MAX, type AlertEvent } from '../../src/alerts/compose.js';

const event = (over: Partial<AlertEvent> = {}): AlertEvent => ({
  kind: 'new',
  groupId: 7,
  fingerprint: 'f',
  project: 'shop',
  exceptionType: 'ValueError',
  message: 'bad quantity',
  traceback: 'line 1\nline 2',
  file: '/srv/app/a.py',
  line: 3,
  function: 'f',
  source: 'server',
  count: 1,
  firstSeen: '2026-03-01T12:00:00.000Z',
  lastSeen: '2026-03-01T12:00:00.000Z',
  release: null,
  environment: null,
  requestMethod: null,
  requestUrl: null,
  ...over,
});
const now = new Date('2026-03-01T15:00:00Z');

describe('subject', () => {
  it.each([
    ['CR/LF in the message', { message: 'x\r\nBcc: victim@example.com' }],
    ['CR/LF in the type', { exceptionType: 'E\nBcc: victim@example.com' }],
    ['CR/LF in the project', { project: 'p\r\nBcc: victim@example.com' }],
    ['unicode line separators', { message: 'x\u2028Bcc: victim@example.com\u0085y' }],
  ])('%s cannot add a header', (_name, over) => {
    const { subject } = composeAlert(event(over), null, { now });
    expect(subject).not.toMatch(/[\r\n\u2028\u0085]/);
    expect(subject).toContain('Bcc: victim@example.com'); // kept as text, on the one line
  });

  it('is bounded, and says New error or Regression', () => {
    const long = composeAlert(event({ message: 'm'.repeat(5000), exceptionType: 'T'.repeat(500) }), null, { now }).subject;
    expect(long.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(long.endsWith('…')).toBe(true);
    expect(composeAlert(event(), null, { now }).subject).toBe('[shop] New error: ValueError: bad quantity');
    expect(composeAlert(event({ kind: 'regression' }), null, { now }).subject).toBe('[shop] Regression: ValueError: bad quantity');
    expect(oneLine('  a \t\n b  ', 10)).toBe('a b');
  });
});

describe('body', () => {
  it('escapes every field in the HTML part', () => {
    const { html } = composeAlert(event({ message: '<img src=x onerror=alert(1)>', file: '"><u>', requestUrl: 'https://x/?q=<i>', requestMethod: 'GET', release: '<r>' }), null, { now, publicUrl: 'https://e.example/"x' });
    expect(html).not.toMatch(/<img|<u>|<i>|<r>|"x/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('priority 8 for a new error, 9 for a regression; a link only with PUBLIC_URL', () => {
    expect(composeAlert(event(), null, { now }).priority).toBe(8);
    expect(composeAlert(event({ kind: 'regression' }), null, { now }).priority).toBe(9);
    expect(composeAlert(event(), null, { now }).link).toBeNull();
    expect(composeAlert(event(), null, { now, publicUrl: 'https://e.example' }).text).toContain('Open: https://e.example/?error=7');
  });

  it('says what was held back: "and 57 more new errors since 14:02"', () => {
    const held = { newCount: 57, regressionCount: 0, since: '2026-03-01T14:02:10Z', dueAt: '2026-03-01T14:02:10Z', samples: [] };
    expect(heldSummary(held, now)).toBe('57 more new errors since 14:02 UTC');
    expect(heldSummary({ ...held, newCount: 1, regressionCount: 2, since: '2026-02-28T23:59:00Z' }, now)).toBe('1 more new error and 2 regressions since 2026-02-28 23:59 UTC');
    expect(composeAlert(event(), held, { now }).text).toContain('And 57 more new errors since 14:02 UTC');
  });
});

describe('spike and impact', () => {
  it('the subject names the rule, the body and the push text its numbers; the summary counts them', () => {
    const m = composeAlert(event({ kind: 'spike', why: '120 events in 5 minutes (usually 3 an hour)' }), null, { now });
    expect(m.subject).toBe('[shop] Spike: ValueError: bad quantity');
    expect(m.text).toContain('Rule:        120 events in 5 minutes (usually 3 an hour)');
    expect(m.pushText.split('\n')[0]).toBe('Spike: 120 events in 5 minutes (usually 3 an hour)');
    expect(m.priority).toBe(9);
    const held = { newCount: 2, regressionCount: 0, spikeCount: 1, impactCount: 3, since: '2026-03-01T14:00:00.000Z', dueAt: '2026-03-01T14:00:00.000Z', samples: [] };
    expect(heldSummary(held, now)).toBe('2 more new errors, 1 spike and 3 impact alerts since 14:00 UTC');
  });
});
