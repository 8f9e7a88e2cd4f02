// Per-project alert settings on PostgreSQL (migration 012): rules in one row per project, channels in rows of their own.
import { ChannelInputError, DEFAULT_RULE_SETTINGS, type AlertRuleSettings, type ChannelConfig, type ChannelInput, type ProjectAlertSettings, type ProjectAlertStore } from '../../alerts/channels/types.js';
import { projectChannelId } from '../sqlite/project-alerts.js';
import { inTransaction, type Client, type Pool } from './pool.js';

interface RuleRow {
  project: string;
  new_group: boolean;
  regression: boolean;
  spike_events: number | null;
  spike_minutes: number | null;
  spike_times_usual: number | null;
  impact_users: number | null;
  cooldown_minutes: number | null;
}

interface ChannelRow {
  id: number;
  project: string;
  kind: ChannelConfig['kind'];
  url: string;
  token: string | null;
}

const q = (name: string, text: string) => ({ name, text });

const SQL = {
  rules: q('pa_rules', 'SELECT * FROM project_alert_rules WHERE project = $1'),
  allRules: q('pa_all_rules', 'SELECT * FROM project_alert_rules'),
  putRules: q('pa_put_rules', `INSERT INTO project_alert_rules (project, new_group, regression, spike_events, spike_minutes, spike_times_usual, impact_users, cooldown_minutes)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (project) DO UPDATE SET new_group = excluded.new_group, regression = excluded.regression,
      spike_events = excluded.spike_events, spike_minutes = excluded.spike_minutes, spike_times_usual = excluded.spike_times_usual,
      impact_users = excluded.impact_users, cooldown_minutes = excluded.cooldown_minutes`),
  channels: q('pa_channels', 'SELECT id, project, kind, url, token FROM project_alert_channels WHERE project = $1 ORDER BY id'),
  allChannels: q('pa_all_channels', 'SELECT id, project, kind, url, token FROM project_alert_channels ORDER BY project, id'),
  insertChannel: q('pa_insert', 'INSERT INTO project_alert_channels (project, kind, url, token, created_at) VALUES ($1, $2, $3, $4, $5)'),
  updateChannel: q('pa_update', 'UPDATE project_alert_channels SET kind = $1, url = $2, token = $3 WHERE id = $4 AND project = $5'),
  deleteChannel: q('pa_delete', 'DELETE FROM project_alert_channels WHERE id = $1 AND project = $2'),
};

/** The row id inside a channel id of this project, or null when the id is not one of its own. */
function rowIdOf(project: string, id: string): number | null {
  const prefix = `project:${project}:`;
  if (!id.startsWith(prefix)) return null;
  const n = id.slice(prefix.length);
  return /^\d{1,15}$/.test(n) ? Number(n) : null;
}

function toRules(row: RuleRow | undefined): AlertRuleSettings {
  if (!row) return { ...DEFAULT_RULE_SETTINGS };
  return {
    newGroup: row.new_group,
    regression: row.regression,
    spike: row.spike_events === null || row.spike_minutes === null ? null : { events: row.spike_events, minutes: row.spike_minutes, timesUsual: row.spike_times_usual },
    impact: row.impact_users === null ? null : { users: row.impact_users },
    cooldownMinutes: row.cooldown_minutes,
  };
}

function toChannel(row: ChannelRow): ChannelConfig {
  return { id: projectChannelId(row.project, row.id), kind: row.kind, url: row.url, ...(row.token !== null ? { token: row.token } : {}), project: row.project };
}

export function createPgProjectAlertStore(pool: Pool, { now = () => new Date() }: { now?: () => Date } = {}): ProjectAlertStore {
  async function read(c: Client | Pool, project: string): Promise<ProjectAlertSettings> {
    const channels = await c.query<ChannelRow>({ ...SQL.channels, values: [project] });
    const rules = await c.query<RuleRow>({ ...SQL.rules, values: [project] });
    return { project, channels: channels.rows.map(toChannel), rules: toRules(rules.rows[0]) };
  }

  async function put(c: Client, project: string, update: { channels?: ChannelInput[]; rules?: AlertRuleSettings }): Promise<ProjectAlertSettings> {
    // One edit of a project at a time across instances: the channels are read, matched and rewritten as a whole.
    await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 12))', [project]);
    if (update.rules) {
      const r = update.rules;
      await c.query({
        ...SQL.putRules,
        values: [project, r.newGroup, r.regression, r.spike?.events ?? null, r.spike?.minutes ?? null, r.spike?.timesUsual ?? null, r.impact?.users ?? null, r.cooldownMinutes],
      });
    }
    if (update.channels) {
      const stored = new Map((await c.query<ChannelRow>({ ...SQL.channels, values: [project] })).rows.map((row) => [row.id, row]));
      const kept = new Set<number>();
      for (const [i, ch] of update.channels.entries()) {
        if (ch.id === undefined) {
          if (!ch.url) throw new ChannelInputError(`channels.${i}.url`, 'a new channel needs its url');
          await c.query({ ...SQL.insertChannel, values: [project, ch.kind, ch.url, ch.token ?? null, now().toISOString()] });
          continue;
        }
        const rowId = rowIdOf(project, ch.id);
        const row = rowId === null ? undefined : stored.get(rowId);
        if (!row || kept.has(row.id)) throw new ChannelInputError(`channels.${i}.id`, `'${ch.id.slice(0, 120)}' is not a channel of this project`);
        // Omitted secrets are kept; a changed kind needs its own URL (another service's URL would not work).
        if (!ch.url && ch.kind !== row.kind) throw new ChannelInputError(`channels.${i}.url`, 'changing the kind needs the new url');
        kept.add(row.id);
        // A secret of one kind means nothing to another: a new kind starts without one unless given.
        const token = ch.token === undefined ? (ch.kind === row.kind ? row.token : null) : ch.token;
        await c.query({ ...SQL.updateChannel, values: [ch.kind, ch.url || row.url, token, row.id, project] });
      }
      for (const id of stored.keys()) if (!kept.has(id)) await c.query({ ...SQL.deleteChannel, values: [id, project] });
    }
    return read(c, project);
  }

  return {
    getProjectAlertSettings: (project) => read(pool, project),

    async listProjectAlertSettings() {
      const byProject = new Map<string, ProjectAlertSettings>();
      const of = (project: string) => {
        let s = byProject.get(project);
        if (!s) byProject.set(project, (s = { project, channels: [], rules: { ...DEFAULT_RULE_SETTINGS } }));
        return s;
      };
      for (const row of (await pool.query<RuleRow>(SQL.allRules)).rows) of(row.project).rules = toRules(row);
      for (const row of (await pool.query<ChannelRow>(SQL.allChannels)).rows) of(row.project).channels.push(toChannel(row));
      return [...byProject.values()];
    },

    putProjectAlertSettings: (project, update) => inTransaction(pool, (c) => put(c, project, update)),
  };
}
