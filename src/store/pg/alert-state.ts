// The alert throttle's memory on PostgreSQL, shared by every instance: read, decided on and written back under one lock.
import type { AlertKind, AlertStateStore, AlertThrottleState } from '../types.js';
import { inTransaction, type Client, type Pool } from './pool.js';

/** "ETRK" and 3: the throttle's state is read and replaced by one transaction at a time, cluster-wide. */
const ALERT_LOCK = (0x4554524b0003n).toString();

/** AlertStateStore, plus the locked read-decide-write that several instances need. */
export interface SharedAlertStateStore extends AlertStateStore {
  /**
   * Runs `decide` on the state as committed, holding the cluster-wide alert lock, and saves the
   * state it returns in the same transaction: two instances never decide on the same state.
   */
  updateAlertState<T>(decide: (state: AlertThrottleState) => { state: AlertThrottleState; result: T }): Promise<T>;
}

async function load(c: Client | Pool): Promise<AlertThrottleState> {
  const [cooldowns, sends, held, samples] = await Promise.all([
    c.query<{ fingerprint: string; alerted_at: string }>('SELECT fingerprint, alerted_at FROM alert_cooldowns'),
    c.query<{ sent_at: string }>('SELECT sent_at FROM alert_sends ORDER BY sent_at, id'),
    c.query<{ new_count: number; regression_count: number; since: string; due_at: string }>('SELECT new_count, regression_count, since, due_at FROM alert_held WHERE id = 1'),
    c.query<{ kind: AlertKind; group_id: number; project: string; exception_type: string; message: string; at: string }>(
      'SELECT kind, group_id, project, exception_type, message, at FROM alert_held_samples ORDER BY id',
    ),
  ]);
  const h = held.rows[0];
  return {
    cooldowns: Object.fromEntries(cooldowns.rows.map((r) => [r.fingerprint, r.alerted_at])),
    sentAt: sends.rows.map((r) => r.sent_at),
    held: h
      ? {
          newCount: h.new_count,
          regressionCount: h.regression_count,
          since: h.since,
          dueAt: h.due_at,
          samples: samples.rows.map((s) => ({ kind: s.kind, groupId: s.group_id, project: s.project, exceptionType: s.exception_type, message: s.message, at: s.at })),
        }
      : null,
  };
}

async function save(c: Client, state: AlertThrottleState): Promise<void> {
  await c.query('DELETE FROM alert_cooldowns');
  await c.query('DELETE FROM alert_sends');
  await c.query('DELETE FROM alert_held');
  await c.query('DELETE FROM alert_held_samples');
  const cd = Object.entries(state.cooldowns);
  if (cd.length) await c.query('INSERT INTO alert_cooldowns (fingerprint, alerted_at) SELECT * FROM unnest($1::text[], $2::text[])', [cd.map((e) => e[0]), cd.map((e) => e[1])]);
  if (state.sentAt.length) await c.query('INSERT INTO alert_sends (sent_at) SELECT * FROM unnest($1::text[])', [state.sentAt]);
  const h = state.held;
  if (h) {
    await c.query('INSERT INTO alert_held (id, new_count, regression_count, since, due_at) VALUES (1, $1, $2, $3, $4)', [h.newCount, h.regressionCount, h.since, h.dueAt]);
    const s = h.samples;
    if (s.length)
      await c.query(
        `INSERT INTO alert_held_samples (kind, group_id, project, exception_type, message, at)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])`,
        [s.map((x) => x.kind), s.map((x) => x.groupId), s.map((x) => x.project), s.map((x) => x.exceptionType), s.map((x) => x.message), s.map((x) => x.at)],
      );
  }
}

export function createPgAlertStateStore(pool: Pool): SharedAlertStateStore {
  const locked = <T>(fn: (c: Client) => Promise<T>) =>
    inTransaction(pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [ALERT_LOCK]);
      return fn(c);
    });
  return {
    loadAlertState: () => load(pool),
    saveAlertState: (state) => locked((c) => save(c, state)),
    updateAlertState: (decide) =>
      locked(async (c) => {
        const { state, result } = decide(await load(c));
        await save(c, state);
        return result;
      }),
  };
}
