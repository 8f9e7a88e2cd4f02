// An app with its alerts service on a real database file, a movable clock and a captured log.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createAlertsService, type AlertsService } from '../../src/alerts/service.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase, type Db } from '../../src/store/sqlite/open-database.js';
import { globalRuleSettings } from '../../src/alerts/rule-settings.js';
import { createRuleTrigger } from '../../src/alerts/rules.js';
import { builtinChannels, type DeliverFn } from '../../src/alerts/builtin-channels.js';
import type { ChannelConfig } from '../../src/alerts/channels/types.js';
import { createSqliteAlertStateStore } from '../../src/store/sqlite/alert-state.js';
import { createSqliteOutboxStore } from '../../src/store/sqlite/outbox.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { API_KEY } from '../helper.js';

export interface AlertingApp {
  app: FastifyInstance;
  alerts: AlertsService;
  db: Db;
  store: Store;
  clock: { now: Date };
  logs: () => string;
  /** Parsed log records of the alerts component. */
  alertLogs: () => Record<string, unknown>[];
  close: () => Promise<void>;
}

export interface AlertingOptions {
  clock?: { now: Date };
  checkIntervalMs?: number;
  retryBaseMs?: number;
  /** Extra channels beside the environment's, delivered by `deliver` (the HTTP kinds' stand-in). */
  channels?: ChannelConfig[];
  deliver?: DeliverFn;
}

export async function buildAlertingApp(env: Record<string, string>, databasePath: string, opts: AlertingOptions = {}): Promise<AlertingApp> {
  const config = loadConfig({ API_KEY, DATABASE_PATH: databasePath, RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'debug', SMTP_TIMEOUT_SECONDS: '2', ...env });
  const chunks: string[] = [];
  const logger = createLogger(config.logLevel, new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) }));
  const db = openDatabase(databasePath);
  migrate(db);
  const clock = opts.clock ?? { now: new Date('2026-03-01T12:00:00.000Z') };
  const now = () => new Date(clock.now);
  const channels = [...builtinChannels(config), ...(opts.channels ?? [])];
  const trigger = createRuleTrigger({ rules: globalRuleSettings(config, () => channels.length > 0), cooldownMs: config.alerts.cooldownSeconds * 1000, now });
  const store = createSqliteStore(db, { now, alertTrigger: trigger });
  const alerts = await createAlertsService({
    config,
    store,
    stateStore: createSqliteAlertStateStore(db),
    outbox: createSqliteOutboxStore(db),
    trigger,
    logger,
    now,
    checkIntervalMs: opts.checkIntervalMs ?? 50,
    retryBaseMs: opts.retryBaseMs ?? 50,
    ...(opts.channels ? { channelsFor: () => channels, channelById: (id: string) => channels.find((c) => c.id === id) ?? null } : {}),
    ...(opts.deliver ? { deliver: opts.deliver } : {}),
  });
  const app = await buildApp({ config, apiKey: API_KEY, store, logger, now, onIngested: alerts.onIngested, alerts });
  await app.ready();
  const logs = () => chunks.join('');
  return {
    app,
    alerts,
    db,
    store,
    clock,
    logs,
    alertLogs: () =>
      logs()
        .split('\n')
        .filter((l) => l.includes('"component":"alerts"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    close: async () => {
      await app.close();
      await alerts.close(3000);
      store.close();
    },
  };
}

/** Resolves when `predicate` holds, polling; rejects after `ms`. */
export async function eventually(predicate: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A clock that runs with real time from `start`, and can be set forward (retries fall due as they would). */
export function tickingClock(start: string): { now: Date } {
  let offset = Date.parse(start) - Date.now();
  return {
    get now() {
      return new Date(Date.now() + offset);
    },
    set now(d: Date) {
      offset = d.getTime() - Date.now();
    },
  };
}
