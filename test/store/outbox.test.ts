// The outbox's write side: an alert is written in the transaction of the report that raised it, or not at all; settled alerts are pruned.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuleTrigger } from '../../src/alerts/rules.js';
import type { AlertRuleSettings } from '../../src/alerts/rule-settings.js';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase, type Db } from '../../src/store/sqlite/open-database.js';
import { createSqliteOutboxStore } from '../../src/store/sqlite/outbox.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { AlertTrigger, Store } from '../../src/store/types.js';
import { preparedReport } from '../helper.js';

const RULES: AlertRuleSettings = { newGroup: true, regression: true, spike: { events: 3, minutes: 5, timesUsual: null }, impact: null, cooldownMinutes: null };
const clock = { now: new Date('2026-03-01T12:00:00.000Z') };
const now = () => new Date(clock.now);
let db: Db;
let store: Store | undefined;

beforeEach(() => {
  db = openDatabase(':memory:');
  migrate(db);
});
afterEach(() => {
  store?.close();
  store = undefined;
});

const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;

describe('alerts written with their report', () => {
  it('a new group and its alert are one commit; repeats of the group write no alert', async () => {
    const trigger = createRuleTrigger({ rules: { rulesFor: () => ({ ...RULES, spike: null }) }, cooldownMs: 600_000, now });
    let woken = 0;
    trigger.onRaised(() => woken++);
    store = createSqliteStore(db, { now, alertTrigger: trigger });
    const first = await store.ingest(preparedReport());
    expect(count("SELECT count(*) AS n FROM alert_outbox WHERE rule = 'new' AND state = 'pending'")).toBe(1);
    expect(db.prepare('SELECT group_id AS groupId, cooldown_key AS cooldownKey FROM alert_outbox').get()).toEqual({ groupId: first.id, cooldownKey: first.fingerprint });
    expect(woken).toBe(1);
    await Promise.all(Array.from({ length: 50 }, () => store!.ingest(preparedReport())));
    expect(count('SELECT count(*) AS n FROM alert_outbox')).toBe(1);
    expect(woken).toBe(1);
  });

  it('an ignored group raises nothing, not even a spike, until it wakes: then one regression', async () => {
    const trigger = createRuleTrigger({ rules: { rulesFor: () => RULES }, cooldownMs: 600_000, now });
    store = createSqliteStore(db, { now, alertTrigger: trigger });
    const first = await store.ingest(preparedReport());
    expect(await store.triage([first.id], { action: 'ignore', untilCount: 20 })).toMatchObject({ ok: true, changed: [first.id] });
    // Ten more: over the spike rule's 3 in 5 minutes, under the wake-up count.
    for (let i = 0; i < 10; i++) await store.ingest(preparedReport());
    expect(count("SELECT count(*) AS n FROM alert_outbox WHERE rule <> 'new'")).toBe(0);
    for (let i = 0; i < 15; i++) await store.ingest(preparedReport());
    expect(count("SELECT count(*) AS n FROM alert_outbox WHERE rule = 'regression'")).toBe(1);
  });

  it('a transaction that fails keeps neither the group nor its alert, and the rule may fire again', async () => {
    const real = createRuleTrigger({ rules: { rulesFor: () => RULES }, cooldownMs: 600_000, now });
    let fail = true;
    let rolledBack = 0;
    // Passes the rules' drafts on, spoiled while `fail` holds: the INSERT then breaks the transaction.
    const trigger: AlertTrigger = {
      observe: (g) => real.observe(g).map((d) => (fail ? { ...d, rule: 'bogus' as 'new' } : d)),
      committed: () => real.committed(),
      rolledBack: () => {
        rolledBack++;
        real.rolledBack();
      },
    };
    store = createSqliteStore(db, { now, alertTrigger: trigger });
    const burst = () => Promise.allSettled(Array.from({ length: 5 }, () => store!.ingest(preparedReport())));
    const failed = await burst();
    expect(failed.every((r) => r.status === 'rejected')).toBe(true);
    expect(rolledBack).toBeGreaterThan(0);
    expect(count('SELECT count(*) AS n FROM errors')).toBe(0);
    expect(count('SELECT count(*) AS n FROM alert_outbox')).toBe(0);

    fail = false;
    await burst();
    // The spike that fired in the rolled-back transactions was forgotten with them: it fires now.
    expect(count('SELECT count(*) AS n FROM errors')).toBe(1);
    expect(db.prepare('SELECT rule FROM alert_outbox ORDER BY id').all()).toEqual([{ rule: 'new' }, { rule: 'spike' }]);
  });

  it('a restart remembers the spike fired within the cooldown (read back from the outbox)', async () => {
    const make = () => createRuleTrigger({ rules: { rulesFor: () => RULES }, cooldownMs: 600_000, now });
    store = createSqliteStore(db, { now, alertTrigger: make() });
    await Promise.all(Array.from({ length: 5 }, () => store!.ingest(preparedReport())));
    expect(count("SELECT count(*) AS n FROM alert_outbox WHERE rule = 'spike'")).toBe(1);
    // A new process: fresh memory, told what fired in the last cooldown.
    const again = make();
    again.remember(await createSqliteOutboxStore(db).recentRuleAlerts('2026-03-01T11:50:00.000Z'));
    store = createSqliteStore(db, { now, alertTrigger: again });
    clock.now = new Date('2026-03-01T12:05:00.000Z');
    await Promise.all(Array.from({ length: 5 }, () => store!.ingest(preparedReport())));
    expect(count("SELECT count(*) AS n FROM alert_outbox WHERE rule = 'spike'")).toBe(1);
    clock.now = new Date('2026-03-01T12:10:00.000Z');
    await Promise.all(Array.from({ length: 5 }, () => store!.ingest(preparedReport())));
    expect(count("SELECT count(*) AS n FROM alert_outbox WHERE rule = 'spike'")).toBe(2);
    clock.now = new Date('2026-03-01T12:00:00.000Z');
  });

  it('retention prunes settled alerts older than the cutoff and keeps those still to deliver', async () => {
    store = createSqliteStore(db, { now });
    const put = db.prepare("INSERT INTO alert_outbox (created_at, rule, payload, state) VALUES (?, 'new', '{}', ?)");
    put.run('2026-01-01T00:00:00.000Z', 'done');
    put.run('2026-01-01T00:00:00.000Z', 'held');
    put.run('2026-01-01T00:00:00.000Z', 'sending');
    put.run('2026-03-01T00:00:00.000Z', 'done');
    db.prepare("INSERT INTO alert_deliveries (outbox_id, channel_id, state, next_at, give_up_at) VALUES (1, 'c', 'sent', 'x', 'x')").run();
    const result = await store.cleanup({ resolvedBefore: null, hourlyCountsBefore: '2026-02-01T00:00:00Z' });
    expect(result.alertsDeleted).toBe(2);
    expect(db.prepare('SELECT id, state FROM alert_outbox ORDER BY id').all()).toEqual([
      { id: 3, state: 'sending' },
      { id: 4, state: 'done' },
    ]);
    expect(count('SELECT count(*) AS n FROM alert_deliveries')).toBe(0);
  });
});
