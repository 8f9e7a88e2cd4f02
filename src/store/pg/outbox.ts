// The alert outbox on PostgreSQL (migration 014): decided by one instance at a time under the alert lock, each delivery claimed by one sender.
import type { DeliveryOutcome, HeldAlerts, OutboxRow, OutboxStore, PendingDelivery } from '../types.js';
import { loadAlertState, lockAlerts, saveAlertState } from './alert-state.js';
import { inTransaction, type Client, type Pool } from './pool.js';

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
const q = (name: string, text: string) => ({ name, text });

const SQL = {
  pending: q('o_pending', `SELECT ${COLUMNS} FROM alert_outbox WHERE state = 'pending' ORDER BY id LIMIT $1`),
  get: q('o_get', `SELECT ${COLUMNS} FROM alert_outbox WHERE id = $1`),
  undelivered: q('o_undelivered', "SELECT count(*)::int AS n FROM alert_outbox WHERE state = 'sending'"),
  // Only pending rows change: a row another transaction decided before (it cannot, under the lock) stays as it is.
  setDecisions: q('o_decide', `UPDATE alert_outbox AS o SET state = v.state, held = v.held, decided_at = $4
    FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v (id, state, held)
    WHERE o.id = v.id AND o.state = 'pending'
    RETURNING o.id, o.project, o.state`),
  insertDecided: q('o_digests', `INSERT INTO alert_outbox (created_at, rule, group_id, project, cooldown_key, payload, state, held, decided_at)
    SELECT c, r, g, p, k, pl, 'sending', h, $8 FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
      AS v (c, r, g, p, k, pl, h)
    RETURNING id, project`),
  insertDeliveries: q('o_deliveries', `INSERT INTO alert_deliveries (outbox_id, channel_id, next_at, give_up_at)
    SELECT o, ch, $3, $4 FROM unnest($1::bigint[], $2::text[]) AS v (o, ch) ON CONFLICT DO NOTHING`),
  markDone: q('o_done', "UPDATE alert_outbox SET state = 'done' WHERE id = ANY($1::bigint[])"),
  due: q('o_due', `SELECT outbox_id, channel_id, attempts, next_at, give_up_at FROM alert_deliveries
    WHERE state = 'pending' AND channel_id = $1 AND next_at <= $2 ORDER BY outbox_id LIMIT $3`),
  channels: q('o_channels', "SELECT channel_id, min(next_at) AS next_at FROM alert_deliveries WHERE state = 'pending' GROUP BY channel_id"),
  // The claim: of two senders that read the same attempt count, the second finds it moved on (its
  // UPDATE waits for the first's commit, then re-checks the row) and changes nothing.
  startAttempt: q('o_start', `UPDATE alert_deliveries SET attempts = attempts + 1, next_at = $1
    WHERE outbox_id = $2 AND channel_id = $3 AND state = 'pending' AND attempts = $4`),
  // The alert's row first: two channels of one alert finishing at once see each other's result.
  lockAlert: q('o_lock', 'SELECT id FROM alert_outbox WHERE id = $1 FOR UPDATE'),
  finish: q('o_finish', `UPDATE alert_deliveries SET state = $1, next_at = coalesce($2, next_at), last_status = $3, last_error = $4, done_at = $5
    WHERE outbox_id = $6 AND channel_id = $7 AND state = 'pending'`),
  markDoneIfEmpty: q('o_done_if', `UPDATE alert_outbox SET state = 'done'
    WHERE id = $1 AND state <> 'done' AND NOT EXISTS (SELECT 1 FROM alert_deliveries WHERE outbox_id = $1 AND state = 'pending')`),
  recentRules: q('o_recent', `SELECT cooldown_key, max(created_at) AS created_at FROM alert_outbox
    WHERE created_at >= $1 AND rule IN ('spike', 'impact') AND cooldown_key IS NOT NULL GROUP BY cooldown_key`),
  putResult: q('o_result', `INSERT INTO alert_channel_results (channel_id, at, ok, status, error) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (channel_id) DO UPDATE SET at = excluded.at, ok = excluded.ok, status = excluded.status, error = excluded.error`),
  results: q('o_results', 'SELECT channel_id, at, ok, status, error FROM alert_channel_results'),
};

export function createPgOutboxStore(pool: Pool): OutboxStore {
  const putResult = (c: Client | Pool, channelId: string, o: DeliveryOutcome, at: string) =>
    c.query({ ...SQL.putResult, values: [channelId, at, o.ok, o.status, o.error ?? null] });

  return {
    async pendingAlerts(limit) {
      return (await pool.query<Row>({ ...SQL.pending, values: [limit] })).rows.map(toRow);
    },

    decide(input) {
      return inTransaction(pool, async (c) => {
        // Everything below reads what the previous holder committed: READ COMMITTED takes each statement's snapshot after the lock.
        await lockAlerts(c);
        const rows = (await c.query<Row>({ ...SQL.pending, values: [input.limit] })).rows.map(toRow);
        const throttle = await loadAlertState(c);
        const undelivered = (await c.query<{ n: number }>(SQL.undelivered)).rows[0]!.n;
        const out = input.decide({ rows, throttle, undelivered });
        if (out.decisions.length === 0 && out.digests.length === 0) return { rows: rows.length, throttle: out.throttle };

        const going: Array<{ id: number; project: string | null }> = [];
        if (out.decisions.length > 0) {
          const d = out.decisions;
          const set = await c.query<{ id: number; project: string | null; state: string }>({
            ...SQL.setDecisions,
            values: [d.map((x) => x.id), d.map((x) => x.state), d.map((x) => (x.held ? JSON.stringify(x.held) : null)), input.at],
          });
          going.push(...set.rows.filter((r) => r.state === 'sending'));
        }
        if (out.digests.length > 0) {
          const g = out.digests;
          const ins = await c.query<{ id: number; project: string | null }>({
            ...SQL.insertDecided,
            values: [
              g.map((x) => x.createdAt),
              g.map((x) => x.rule),
              g.map((x) => x.groupId),
              g.map((x) => x.project),
              g.map((x) => x.cooldownKey),
              g.map((x) => x.payload),
              g.map((x) => JSON.stringify(x.held)),
              input.at,
            ],
          });
          going.push(...ins.rows);
        }
        const deliveries: Array<[number, string]> = [];
        const nowhere: number[] = [];
        for (const r of going) {
          const channels = input.channelsFor({ project: r.project });
          // No channel to deliver to: nothing to wait for.
          if (channels.length === 0) nowhere.push(r.id);
          for (const ch of channels) deliveries.push([r.id, ch]);
        }
        if (deliveries.length > 0) await c.query({ ...SQL.insertDeliveries, values: [deliveries.map((x) => x[0]), deliveries.map((x) => x[1]), input.at, input.giveUpAt] });
        if (nowhere.length > 0) await c.query({ ...SQL.markDone, values: [nowhere] });
        await saveAlertState(c, out.throttle);
        return { rows: rows.length, throttle: out.throttle };
      });
    },

    async getAlert(id) {
      const r = (await pool.query<Row>({ ...SQL.get, values: [id] })).rows[0];
      return r ? toRow(r) : null;
    },

    async dueDeliveries(channelId, now, limit) {
      return (await pool.query<DeliveryRow>({ ...SQL.due, values: [channelId, now, limit] })).rows.map(toDelivery);
    },

    async pendingChannels() {
      return (await pool.query<{ channel_id: string; next_at: string }>(SQL.channels)).rows.map((r) => ({ channelId: r.channel_id, nextAt: r.next_at }));
    },

    async startAttempt(outboxId, channelId, nextAt, attempts) {
      return (await pool.query({ ...SQL.startAttempt, values: [nextAt, outboxId, channelId, attempts] })).rowCount === 1;
    },

    finishAttempt(outboxId, channelId, o, nextAt, at) {
      const final = nextAt === null;
      return inTransaction(pool, async (c) => {
        if (final) await c.query({ ...SQL.lockAlert, values: [outboxId] });
        await c.query({ ...SQL.finish, values: [final ? (o.ok ? 'sent' : 'failed') : 'pending', nextAt, o.status, o.error ?? null, final ? at : null, outboxId, channelId] });
        if (final) await c.query({ ...SQL.markDoneIfEmpty, values: [outboxId] });
        await putResult(c, channelId, o, at);
      });
    },

    async undeliveredCount() {
      return (await pool.query<{ n: number }>(SQL.undelivered)).rows[0]!.n;
    },

    async recentRuleAlerts(since) {
      const { rows } = await pool.query<{ cooldown_key: string; created_at: string }>({ ...SQL.recentRules, values: [since] });
      return rows.map((r) => ({ cooldownKey: r.cooldown_key, createdAt: r.created_at }));
    },

    async recordDelivery(channelId, result, at = new Date().toISOString()) {
      await putResult(pool, channelId, result, at);
    },

    async lastDeliveries() {
      const out: Record<string, DeliveryOutcome & { at: string }> = {};
      const { rows } = await pool.query<{ channel_id: string; at: string; ok: boolean; status: number | null; error: string | null }>(SQL.results);
      for (const r of rows) out[r.channel_id] = { ok: r.ok, status: r.status, retryable: false, at: r.at, ...(r.error !== null ? { error: r.error } : {}) };
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
