// The alert outbox on SQLite (migration 014): alerts as decided by the throttle, their deliveries per channel, each channel's last result.
import { hourKey } from '../hour-key.js';
import type { DeliveryOutcome, HeldAlerts, OutboxDraft, OutboxRow, OutboxStore, PendingDelivery } from '../types.js';
import { alertStateStatements } from './alert-state.js';
import type { Db } from './open-database.js';

interface Row {
  id: number;
  created_at: string;
  rule: OutboxRow['rule'];
  group_id: number | null;
  project: string | null;
  cooldown_key: string | null;
  payload: string;
  state: OutboxRow['state'];
  held: string | null;
}

interface DeliveryRow {
  outbox_id: number;
  channel_id: string;
  attempts: number;
  next_at: string;
  give_up_at: string;
}

const COLUMNS = 'id, created_at, rule, group_id, project, cooldown_key, payload, state, held';

/** The insert the ingest transaction runs for each alert it raises; prepared once by the writer. */
export function outboxInsert(db: Db): (d: OutboxDraft) => void {
  const insert = db.prepare<unknown[]>('INSERT INTO alert_outbox (created_at, rule, group_id, project, cooldown_key, payload) VALUES (?, ?, ?, ?, ?, ?)');
  return (d) => void insert.run(d.createdAt, d.rule, d.groupId, d.project, d.cooldownKey, d.payload);
}

/** How far back a group's usual hourly rate looks. */
const USUAL_RATE_HOURS = 7 * 24;

/**
 * A group's usual events per hour: its hourly counts of the last week before the current hour, over
 * the hours since its first (a younger group is not diluted by hours it did not exist). Read only when
 * a spike rule with a "times usual" factor is about to fire, so never on the ordinary write path.
 */
export function usualRateReader(db: Db): (groupId: number, atIso: string) => number {
  const sum = db.prepare<[number, string, string], { n: number; first: string | null }>(
    'SELECT coalesce(sum(count), 0) AS n, min(hour) AS first FROM error_hourly_counts WHERE error_id = ? AND hour >= ? AND hour < ?',
  );
  return (groupId, atIso) => {
    const hour = hourKey(atIso);
    const from = new Date(Date.parse(hour) - USUAL_RATE_HOURS * 3_600_000).toISOString();
    const r = sum.get(groupId, hourKey(from), hour)!;
    if (r.first === null) return 0;
    return r.n / Math.max(1, (Date.parse(hour) - Date.parse(r.first)) / 3_600_000);
  };
}

export function createSqliteOutboxStore(db: Db): OutboxStore {
  const state = alertStateStatements(db);
  const stmt = {
    pending: db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM alert_outbox WHERE state = 'pending' ORDER BY id LIMIT ?`),
    get: db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM alert_outbox WHERE id = ?`),
    setDecision: db.prepare<[string, string | null, string, number]>("UPDATE alert_outbox SET state = ?, held = ?, decided_at = ? WHERE id = ? AND state = 'pending'"),
    insertDecided: db.prepare<unknown[], { id: number }>(`
      INSERT INTO alert_outbox (created_at, rule, group_id, project, cooldown_key, payload, state, held, decided_at)
      VALUES (?, ?, ?, ?, ?, ?, 'sending', ?, ?) RETURNING id`),
    insertDelivery: db.prepare<[number, string, string, string]>(
      'INSERT INTO alert_deliveries (outbox_id, channel_id, next_at, give_up_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    markDoneIfEmpty: db.prepare<[number, number]>("UPDATE alert_outbox SET state = 'done' WHERE id = ? AND NOT EXISTS (SELECT 1 FROM alert_deliveries WHERE outbox_id = ? AND state = 'pending')"),
    due: db.prepare<[string, string, number], DeliveryRow>(`
      SELECT outbox_id, channel_id, attempts, next_at, give_up_at FROM alert_deliveries
      WHERE state = 'pending' AND channel_id = ? AND next_at <= ? ORDER BY outbox_id LIMIT ?`),
    channels: db.prepare<[], { channel_id: string; next_at: string }>(
      "SELECT channel_id, min(next_at) AS next_at FROM alert_deliveries WHERE state = 'pending' GROUP BY channel_id",
    ),
    startAttempt: db.prepare<[string, number, string, number]>(
      "UPDATE alert_deliveries SET attempts = attempts + 1, next_at = ? WHERE outbox_id = ? AND channel_id = ? AND state = 'pending' AND attempts = ?",
    ),
    finish: db.prepare<unknown[]>(`
      UPDATE alert_deliveries SET state = ?, next_at = coalesce(?, next_at), last_status = ?, last_error = ?, done_at = ?
      WHERE outbox_id = ? AND channel_id = ? AND state = 'pending'`),
    undelivered: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM alert_outbox WHERE state = 'sending'"),
    recentRules: db.prepare<[string], { cooldown_key: string; created_at: string }>(
      "SELECT cooldown_key, max(created_at) AS created_at FROM alert_outbox WHERE created_at >= ? AND rule IN ('spike', 'impact') AND cooldown_key IS NOT NULL GROUP BY cooldown_key",
    ),
    putResult: db.prepare<unknown[]>(`
      INSERT INTO alert_channel_results (channel_id, at, ok, status, error) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (channel_id) DO UPDATE SET at = excluded.at, ok = excluded.ok, status = excluded.status, error = excluded.error`),
    results: db.prepare<[], { channel_id: string; at: string; ok: number; status: number | null; error: string | null }>('SELECT channel_id, at, ok, status, error FROM alert_channel_results'),
  };

  const decide = db.transaction((input: Parameters<OutboxStore['decide']>[0]) => {
    const rows = stmt.pending.all(input.limit).map(toRow);
    const out = input.decide({ rows, throttle: state.load(), undelivered: stmt.undelivered.get()!.n });
    const addDeliveries = (id: number, project: string | null) => {
      const channels = input.channelsFor({ project });
      for (const c of channels) stmt.insertDelivery.run(id, c, input.at, input.giveUpAt);
      // No channel to deliver to: nothing to wait for.
      if (channels.length === 0) stmt.markDoneIfEmpty.run(id, id);
    };
    for (const d of out.decisions) {
      if (stmt.setDecision.run(d.state, d.held ? JSON.stringify(d.held) : null, input.at, d.id).changes === 0) continue;
      if (d.state === 'sending') addDeliveries(d.id, stmt.get.get(d.id)!.project);
    }
    for (const g of out.digests) {
      const { id } = stmt.insertDecided.get(g.createdAt, g.rule, g.groupId, g.project, g.cooldownKey, g.payload, JSON.stringify(g.held), input.at)!;
      addDeliveries(id, g.project);
    }
    if (out.decisions.length > 0 || out.digests.length > 0) state.save(out.throttle);
    return { rows: rows.length, throttle: out.throttle };
  });

  const finish = db.transaction((outboxId: number, channelId: string, o: DeliveryOutcome, nextAt: string | null, at: string) => {
    const final = nextAt === null;
    stmt.finish.run(final ? (o.ok ? 'sent' : 'failed') : 'pending', nextAt, o.status, o.error ?? null, final ? at : null, outboxId, channelId);
    if (final) stmt.markDoneIfEmpty.run(outboxId, outboxId);
    stmt.putResult.run(channelId, at, o.ok ? 1 : 0, o.status, o.error ?? null);
  });

  return {
    async pendingAlerts(limit) {
      return stmt.pending.all(limit).map(toRow);
    },
    async decide(input) {
      // IMMEDIATE: the state is read under the write lock, so another process on the file decides after, on what this one saved.
      return decide.immediate(input);
    },
    async getAlert(id) {
      const r = stmt.get.get(id);
      return r ? toRow(r) : null;
    },
    async dueDeliveries(channelId, now, limit) {
      return stmt.due.all(channelId, now, limit).map(toDelivery);
    },
    async pendingChannels() {
      return stmt.channels.all().map((r) => ({ channelId: r.channel_id, nextAt: r.next_at }));
    },
    async startAttempt(outboxId, channelId, nextAt, attempts) {
      return stmt.startAttempt.run(nextAt, outboxId, channelId, attempts).changes === 1;
    },
    async finishAttempt(outboxId, channelId, outcome, nextAt, at) {
      finish(outboxId, channelId, outcome, nextAt, at);
    },
    async undeliveredCount() {
      return stmt.undelivered.get()!.n;
    },
    async recentRuleAlerts(since) {
      return stmt.recentRules.all(since).map((r) => ({ cooldownKey: r.cooldown_key, createdAt: r.created_at }));
    },
    async recordDelivery(channelId, result, at = new Date().toISOString()) {
      stmt.putResult.run(channelId, at, result.ok ? 1 : 0, result.status, result.error ?? null);
    },
    async lastDeliveries() {
      const out: Record<string, DeliveryOutcome & { at: string }> = {};
      for (const r of stmt.results.all()) {
        // retryable is not kept: a recorded result is history, not a pending attempt.
        out[r.channel_id] = { ok: r.ok === 1, status: r.status, retryable: false, at: r.at, ...(r.error !== null ? { error: r.error } : {}) };
      }
      return out;
    },
  };
}

function toRow(r: Row): OutboxRow {
  return {
    id: r.id,
    createdAt: r.created_at,
    rule: r.rule,
    groupId: r.group_id,
    project: r.project,
    cooldownKey: r.cooldown_key,
    payload: r.payload,
    state: r.state,
    held: r.held ? (JSON.parse(r.held) as HeldAlerts) : null,
  };
}

function toDelivery(r: DeliveryRow): PendingDelivery {
  return { outboxId: r.outbox_id, channelId: r.channel_id, attempts: r.attempts, nextAt: r.next_at, giveUpAt: r.give_up_at };
}
