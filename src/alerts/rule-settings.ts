// Which rules raise alerts for a project: read synchronously in the ingest transaction, so from memory.
import type { Config } from '../config.js';
import type { AlertRuleSettings } from './channels/types.js';

/** The per-project settings of the alerts API (channels/types.ts): each rule optional, under the same throttle as every alert. */
export type { AlertRuleSettings };

/**
 * Read on the write path (inside the transaction): must answer from memory. A store of per-project
 * settings is wrapped in a cache that it refreshes on change. Null: the project has no channel to
 * alert, so nothing is written to the outbox for it.
 */
export interface RuleSettingsSource {
  rulesFor(project: string): AlertRuleSettings | null;
}

/** The global defaults: new and regression on; spike and impact as ALERT_SPIKE_* and ALERT_IMPACT_USERS say (off when 0). */
export function defaultRuleSettings(config: Readonly<Config>): AlertRuleSettings {
  const { spike, impactUsers } = config.alerts;
  return {
    newGroup: true,
    regression: true,
    spike: spike.events > 0 ? { events: spike.events, minutes: spike.minutes, timesUsual: spike.timesUsual > 0 ? spike.timesUsual : null } : null,
    impact: impactUsers > 0 ? { users: impactUsers } : null,
    cooldownMinutes: null,
  };
}

/** Every project follows the global defaults, as long as some channel is configured. */
export function globalRuleSettings(config: Readonly<Config>, hasChannels: () => boolean): RuleSettingsSource {
  const rules = Object.freeze(defaultRuleSettings(config));
  return { rulesFor: () => (hasChannels() ? rules : null) };
}
