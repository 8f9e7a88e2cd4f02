// The rule trigger's per-transaction views (PostgreSQL keeps two batches in flight): each settles only what it observed.
import { expect, it } from 'vitest';
import { createRuleTrigger } from '../../src/alerts/rules.js';
import type { AlertRuleSettings } from '../../src/alerts/rule-settings.js';
import type { IngestResult } from '../../src/store/types.js';
import { preparedReport } from '../helper.js';

const RULES: AlertRuleSettings = { newGroup: true, regression: true, spike: { events: 2, minutes: 5, timesUsual: null }, impact: null, cooldownMinutes: null };
const now = () => new Date('2026-03-01T12:00:00.000Z');

/** Three reports of one known group: over the spike rule's two. */
function burst(fingerprint: string, id: number) {
  const reports = [0, 1, 2].map(() => preparedReport({ fingerprint }));
  const results: IngestResult[] = reports.map((_r, i) => ({ id, fingerprint, count: 10 + i, created: false, regression: false }));
  return { reports, results, usualPerHour: () => 0 };
}

it('a view that rolls back forgets only its own firing; the other commits its own and wakes the sender', () => {
  const trigger = createRuleTrigger({ rules: { rulesFor: () => RULES }, cooldownMs: 600_000, now });
  let woken = 0;
  trigger.onRaised(() => woken++);
  const [x, y] = [trigger.fork!(), trigger.fork!()];
  expect(x.observe(burst('a'.repeat(32), 1)).map((d) => d.rule)).toEqual(['spike']);
  expect(y.observe(burst('b'.repeat(32), 2)).map((d) => d.rule)).toEqual(['spike']);
  x.rolledBack();
  expect(woken).toBe(0);
  y.committed();
  expect(woken).toBe(1);
  // The rolled-back group's spike may fire again; the committed one's is in its cooldown.
  const z = trigger.fork!();
  expect(z.observe(burst('a'.repeat(32), 1)).map((d) => d.rule)).toEqual(['spike']);
  expect(z.observe(burst('b'.repeat(32), 2))).toEqual([]);
  z.committed();
  expect(woken).toBe(2);
});
