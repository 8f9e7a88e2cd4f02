// Rule alerts on PostgreSQL: raised by the trigger inside the batch's transaction and inserted into the outbox with its reports, or not at all.
import { hourKey } from '../hour-key.js';
import type { AlertTrigger, IngestResult, OutboxDraft, PreparedReport } from '../types.js';
import { inTransaction, type Client, type Pool } from './pool.js';

/** How far back a group's usual hourly rate looks (as on SQLite). */
const USUAL_RATE_HOURS = 7 * 24;

const q = (name: string, text: string) => ({ name, text });

const SQL = {
  insert: q('a_outbox', `INSERT INTO alert_outbox (created_at, rule, group_id, project, cooldown_key, payload)
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[])`),
  // Each group's events in the week before the current hour, over the hours since its first of them.
  usual: q('a_usual', `SELECT error_id, sum(count)::float8 AS n, min(hour) AS first FROM error_hourly_counts
    WHERE error_id = ANY($1::bigint[]) AND hour >= $2 AND hour < $3 GROUP BY error_id`),
};

/** One group of the batch as written: its reports and their results, in arrival order. */
export interface WrittenGroup {
  id: number;
  created: boolean;
  reports: PreparedReport[];
  results: IngestResult[];
}

/**
 * Runs the rules on each group and inserts what they raise, in the caller's transaction. The usual
 * hourly rate (read synchronously on SQLite) is read ahead, in one query, only for the groups of
 * projects whose spike rule compares with it.
 */
export async function writeRaisedAlerts(c: Client, trigger: AlertTrigger, groups: WrittenGroup[]): Promise<void> {
  const asked = groups.filter((g) => !g.created && trigger.wantsUsualRate?.(g.reports[0]!.project));
  // Up to the hour of the newest report, as SQLite reads it per group.
  const newest = asked.flatMap((g) => g.reports.map((r) => r.timestamp)).reduce((a, b) => (b > a ? b : a), '');
  const usual = asked.length > 0 ? await usualRates(c, asked.map((g) => g.id), newest) : new Map<number, number>();
  const drafts: OutboxDraft[] = [];
  for (const g of groups) drafts.push(...trigger.observe({ results: g.results, reports: g.reports, usualPerHour: () => usual.get(g.id) ?? 0 }));
  if (drafts.length === 0) return;
  await c.query({
    ...SQL.insert,
    values: [drafts.map((d) => d.createdAt), drafts.map((d) => d.rule), drafts.map((d) => d.groupId), drafts.map((d) => d.project), drafts.map((d) => d.cooldownKey), drafts.map((d) => d.payload)],
  });
}

async function usualRates(c: Client, ids: number[], at: string): Promise<Map<number, number>> {
  const hour = hourKey(at);
  const from = hourKey(new Date(Date.parse(hour) - USUAL_RATE_HOURS * 3_600_000).toISOString());
  const { rows } = await c.query<{ error_id: number; n: number; first: string }>({ ...SQL.usual, values: [ids, from, hour] });
  return new Map(rows.map((r) => [r.error_id, r.n / Math.max(1, (Date.parse(hour) - Date.parse(r.first)) / 3_600_000)]));
}

/**
 * Runs one batch's transaction with its own view of the trigger (two batches are in flight at once):
 * what the rules fired is kept if it commits, forgotten if it rolls back.
 */
export async function withAlertTrigger<T>(pool: Pool, trigger: AlertTrigger | undefined, fn: (c: Client, alerts: AlertTrigger | undefined) => Promise<T>): Promise<T> {
  const alerts = trigger?.fork?.() ?? trigger;
  let result: T;
  try {
    result = await inTransaction(pool, (c) => fn(c, alerts));
  } catch (err) {
    alerts?.rolledBack();
    throw err;
  }
  alerts?.committed();
  return result;
}
