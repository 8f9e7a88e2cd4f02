// Per-project alert settings (migration 012): rules in one row per project, channels in rows of their own.
import { ChannelInputError, DEFAULT_RULE_SETTINGS, type AlertRuleSettings, type ChannelConfig, type ChannelInput, type ProjectAlertSettings, type ProjectAlertStore } from '../../alerts/channels/types.js';
import type { Db } from './open-database.js';

interface RuleRow {
  project: string;
  new_group: number;
  regression: number;
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

/** The id other modules know a project's channel by; the row id keeps it stable across edits. */
export const projectChannelId = (project: string, rowId: number) => `project:${project}:${rowId}`;

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
    newGroup: row.new_group === 1,
    regression: row.regression === 1,
    spike: row.spike_events === null || row.spike_minutes === null ? null : { events: row.spike_events, minutes: row.spike_minutes, timesUsual: row.spike_times_usual },
    impact: row.impact_users === null ? null : { users: row.impact_users },
    cooldownMinutes: row.cooldown_minutes,
  };
}

function toChannel(row: ChannelRow): ChannelConfig {
  return { id: projectChannelId(row.project, row.id), kind: row.kind, url: row.url, ...(row.token !== null ? { token: row.token } : {}), project: row.project };
}

export function createSqliteProjectAlertStore(db: Db, { now = () => new Date() }: { now?: () => Date } = {}): ProjectAlertStore {
  const stmt = {
    rules: db.prepare<[string], RuleRow>('SELECT * FROM project_alert_rules WHERE project = ?'),
    allRules: db.prepare<[], RuleRow>('SELECT * FROM project_alert_rules'),
    putRules: db.prepare<[string, number, number, number | null, number | null, number | null, number | null, number | null]>(`
      INSERT INTO project_alert_rules (project, new_group, regression, spike_events, spike_minutes, spike_times_usual, impact_users, cooldown_minutes)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (project) DO UPDATE SET new_group = excluded.new_group, regression = excluded.regression,
        spike_events = excluded.spike_events, spike_minutes = excluded.spike_minutes, spike_times_usual = excluded.spike_times_usual,
        impact_users = excluded.impact_users, cooldown_minutes = excluded.cooldown_minutes`),
    channels: db.prepare<[string], ChannelRow>('SELECT id, project, kind, url, token FROM project_alert_channels WHERE project = ? ORDER BY id'),
    allChannels: db.prepare<[], ChannelRow>('SELECT id, project, kind, url, token FROM project_alert_channels ORDER BY project, id'),
    insertChannel: db.prepare<[string, string, string, string | null, string]>('INSERT INTO project_alert_channels (project, kind, url, token, created_at) VALUES (?, ?, ?, ?, ?)'),
    updateChannel: db.prepare<[string, string, string | null, number, string]>('UPDATE project_alert_channels SET kind = ?, url = ?, token = ? WHERE id = ? AND project = ?'),
    deleteChannel: db.prepare<[number, string]>('DELETE FROM project_alert_channels WHERE id = ? AND project = ?'),
  };

  const read = (project: string): ProjectAlertSettings => ({ project, channels: stmt.channels.all(project).map(toChannel), rules: toRules(stmt.rules.get(project)) });

  const put = db.transaction((project: string, update: { channels?: ChannelInput[]; rules?: AlertRuleSettings }) => {
    if (update.rules) {
      const r = update.rules;
      stmt.putRules.run(project, r.newGroup ? 1 : 0, r.regression ? 1 : 0, r.spike?.events ?? null, r.spike?.minutes ?? null, r.spike?.timesUsual ?? null, r.impact?.users ?? null, r.cooldownMinutes);
    }
    if (update.channels) {
      const stored = new Map(stmt.channels.all(project).map((row) => [row.id, row]));
      const kept = new Set<number>();
      update.channels.forEach((c, i) => {
        if (c.id === undefined) {
          if (!c.url) throw new ChannelInputError(`channels.${i}.url`, 'a new channel needs its url');
          stmt.insertChannel.run(project, c.kind, c.url, c.token ?? null, now().toISOString());
          return;
        }
        const rowId = rowIdOf(project, c.id);
        const row = rowId === null ? undefined : stored.get(rowId);
        if (!row || kept.has(row.id)) throw new ChannelInputError(`channels.${i}.id`, `'${c.id.slice(0, 120)}' is not a channel of this project`);
        // Omitted secrets are kept; a changed kind needs its own URL (another service's URL would not work).
        if (!c.url && c.kind !== row.kind) throw new ChannelInputError(`channels.${i}.url`, 'changing the kind needs the new url');
        kept.add(row.id);
        // A secret of one kind means nothing to another: a new kind starts without one unless given.
        const token = c.token === undefined ? (c.kind === row.kind ? row.token : null) : c.token;
        stmt.updateChannel.run(c.kind, c.url || row.url, token, row.id, project);
      });
      for (const id of stored.keys()) if (!kept.has(id)) stmt.deleteChannel.run(id, project);
    }
    return read(project);
  });

  return {
    async getProjectAlertSettings(project) {
      return read(project);
    },

    async listProjectAlertSettings() {
      const byProject = new Map<string, ProjectAlertSettings>();
      const of = (project: string) => {
        let s = byProject.get(project);
        if (!s) byProject.set(project, (s = { project, channels: [], rules: { ...DEFAULT_RULE_SETTINGS } }));
        return s;
      };
      for (const row of stmt.allRules.all()) of(row.project).rules = toRules(row);
      for (const row of stmt.allChannels.all()) of(row.project).channels.push(toChannel(row));
      return [...byProject.values()];
    },

    async putProjectAlertSettings(project, update) {
      return put.immediate(project, update);
    },
  };
}
