// The alert throttle's memory on PostgreSQL, shared by every instance: read and replaced under the cluster-wide alert lock.
import type { AlertKind, AlertStateStore, AlertThrottleState } from '../types.js';
import { inTransaction, type Client, type Pool } from './pool.js';

/** "ETRK" and 3: the throttle's state is read, decided on and replaced by one transaction at a time, cluster-wide. */
const ALERT_LOCK = (0x4554524b0003n).toString();

/** Takes the alert lock for the rest of the caller's transaction; another instance's decisions wait for its commit. */
export async function lockAlerts(c: Client): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock($1)', [ALERT_LOCK]);
}

interface HeldRow {
  new_count: number;
  regression_count: number;
  spike_count: number;
  impact_count: number;
  since: string;
  due_at: string;
}

/** The state as committed (under the lock, as the last holder left it). */
export async function loadAlertState(c: Client | Pool): Promise<AlertThrottleState> {
  const cooldowns = await c.query<{ fingerprint: string; alerted_at: string }>('SELECT fingerprint, alerted_at FROM alert_cooldowns');
  const sends = await c.query<{ sent_at: string }>('SELECT sent_at FROM alert_sends ORDER BY sent_at, id');
  const held = await c.query<HeldRow>('SELECT new_count, regression_count, spike_count, impact_count, since, due_at FROM alert_held WHERE id = 1');
  const h = held.rows[0];
  const samples = h
    ? await c.query<{ kind: AlertKind; group_id: number; project: string; exception_type: string; message: string; at: string }>(
        'SELECT kind, group_id, project, exception_type, message, at FROM alert_held_samples ORDER BY id',
      )
    : null;
  return {
    cooldowns: Object.fromEntries(cooldowns.rows.map((r) => [r.fingerprint, r.alerted_at])),
    sentAt: sends.rows.map((r) => r.sent_at),
    held: h
      ? {
          newCount: h.new_count,
          regressionCount: h.regression_count,
          ...(h.spike_count ? { spikeCount: h.spike_count } : {}),
          ...(h.impact_count ? { impactCount: h.impact_count } : {}),
          since: h.since,
          dueAt: h.due_at,
          samples: samples!.rows.map((s) => ({ kind: s.kind, groupId: s.group_id, project: s.project, exceptionType: s.exception_type, message: s.message, at: s.at })),
        }
      : null,
  };
}

/** Replaces the state whole, inside the caller's transaction (which holds the lock). */
export async function saveAlertState(c: Client, state: AlertThrottleState): Promise<void> {
  await c.query('DELETE FROM alert_cooldowns');
  await c.query('DELETE FROM alert_sends');
  await c.query('DELETE FROM alert_held');
  await c.query('DELETE FROM alert_held_samples');
  const cd = Object.entries(state.cooldowns);
  if (cd.length) await c.query('INSERT INTO alert_cooldowns (fingerprint, alerted_at) SELECT * FROM unnest($1::text[], $2::text[])', [cd.map((e) => e[0]), cd.map((e) => e[1])]);
  if (state.sentAt.length) await c.query('INSERT INTO alert_sends (sent_at) SELECT * FROM unnest($1::text[])', [state.sentAt]);
  const h = state.held;
  if (h) {
    await c.query('INSERT INTO alert_held (id, new_count, regression_count, spike_count, impact_count, since, due_at) VALUES (1, $1, $2, $3, $4, $5, $6)', [
      h.newCount,
      h.regressionCount,
      h.spikeCount ?? 0,
      h.impactCount ?? 0,
      h.since,
      h.dueAt,
    ]);
    const s = h.samples;
    if (s.length)
      await c.query(
        `INSERT INTO alert_held_samples (kind, group_id, project, exception_type, message, at)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])`,
        [s.map((x) => x.kind), s.map((x) => x.groupId), s.map((x) => x.project), s.map((x) => x.exceptionType), s.map((x) => x.message), s.map((x) => x.at)],
      );
  }
}

export function createPgAlertStateStore(pool: Pool): AlertStateStore {
  return {
    loadAlertState: () => inTransaction(pool, (c) => loadAlertState(c), 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'),
    saveAlertState: (state) =>
      inTransaction(pool, async (c) => {
        await lockAlerts(c);
        await saveAlertState(c, state);
      }),
  };
}
