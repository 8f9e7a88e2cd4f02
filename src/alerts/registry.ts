// Joins the outbox (sender, rules) and the channels: one deliver for every kind, each project's channels and rules, from memory.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { builtinChannels, createBuiltinDeliver, type DeliverFn } from './builtin-channels.js';
import { deliver as deliverHttp } from './channels/deliver.js';
import { formatNotification, globalChannels } from './channels/index.js';
import type { ChannelConfig, ProjectAlertSettings, ProjectAlertStore } from './channels/types.js';
import { defaultRuleSettings, type AlertRuleSettings, type RuleSettingsSource } from './rule-settings.js';

export interface ChannelRegistry {
  /** Email and Gotify as before (builtin-channels.ts); every other kind as its formatter's HTTP request. */
  deliver: DeliverFn;
  /** The environment's channels and, for a project, its own. */
  channelsFor(project: string | null): ChannelConfig[];
  channelById(id: string): ChannelConfig | null;
  /** Read in the ingest transaction, so from memory; null when no channel would carry the alert. */
  rules: RuleSettingsSource;
  /** The project store, wrapped so that a PUT refreshes what the rules and the sender read. */
  projectAlertStore: ProjectAlertStore;
}

export interface RegistryOptions {
  /**
   * Re-reads every project's settings this often (several instances on one database: a PUT on one
   * reaches the others' rules and channels within it). Absent: only this process's PUTs refresh.
   */
  refreshEveryMs?: number;
}

export async function createChannelRegistry(config: Readonly<Config>, store: ProjectAlertStore, logger: Logger, { refreshEveryMs }: RegistryOptions = {}): Promise<ChannelRegistry> {
  // Email and Gotify from SMTP_* and NOTIFY_*; the chat and webhook kinds from ALERT_WEBHOOKS.
  const globals = [...builtinChannels(config), ...globalChannels(config).filter((c) => c.kind !== 'gotify')];
  const defaults = defaultRuleSettings(config);
  let byProject = new Map<string, ProjectAlertSettings>();
  let byId = new Map<string, ChannelConfig>();
  const refresh = async () => {
    const all = await store.listProjectAlertSettings();
    byProject = new Map(all.map((s) => [s.project, s]));
    byId = new Map([...globals, ...all.flatMap((s) => s.channels)].map((c) => [c.id, c]));
  };
  await refresh();
  if (refreshEveryMs !== undefined) {
    // Unreferenced: it never holds the process open; a failed read keeps the settings as they were.
    setInterval(() => refresh().catch((err: unknown) => logger.debug({ err }, 'could not re-read the project alert settings')), refreshEveryMs).unref();
  }

  const builtin = createBuiltinDeliver(config, logger);
  const options = { timeoutMs: config.alertWebhooks.timeoutMs, privateAddresses: config.alertWebhooks.privateAddresses };
  const deliver: DeliverFn = (channel, n) =>
    channel.kind === 'email' || channel.kind === 'gotify' ? builtin(channel, n) : deliverHttp(formatNotification(channel, n, { webhookSecret: config.alertWebhooks.secret }), options);

  return {
    deliver,
    channelsFor: (project) => (project === null ? globals : [...globals, ...(byProject.get(project)?.channels ?? [])]),
    channelById: (id) => byId.get(id) ?? null,
    rules: {
      rulesFor(project): AlertRuleSettings | null {
        const own = byProject.get(project);
        if (globals.length === 0 && (own?.channels.length ?? 0) === 0) return null;
        return own?.rules ?? defaults;
      },
    },
    projectAlertStore: {
      getProjectAlertSettings: (project) => store.getProjectAlertSettings(project),
      listProjectAlertSettings: () => store.listProjectAlertSettings(),
      async putProjectAlertSettings(project, update) {
        const saved = await store.putProjectAlertSettings(project, update);
        await refresh();
  if (refreshEveryMs !== undefined) {
    // Unreferenced: it never holds the process open; a failed read keeps the settings as they were.
    setInterval(() => refresh().catch((err: unknown) => logger.debug({ err }, 'could not re-read the project alert settings')), refreshEveryMs).unref();
  }
        return saved;
      },
    },
  };
}
