// Entry point: reads the environment, opens and migrates the database, listens, shuts down gracefully.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { dirname, resolve } from 'node:path';
import { loadOrCreateApiKey } from './api-key-file.js';
import { createChannelRegistry } from './alerts/registry.js';
import { createRuleTrigger, type RuleTrigger } from './alerts/rules.js';
import { createAlertsService } from './alerts/service.js';
import { dataDirProblem } from './data-dir.js';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { crashReport, installCrashHandlers } from './crash-handler.js';
import { applyConnectionLimits } from './http/connection-limits.js';
import { prepareReport } from './ingest/pipeline.js';
import { keyMatcher } from './ingest/scrub.js';
import { startRetention } from './jobs/retention.js';
import { createLogger } from './logger.js';
import { handleSignals, type ShutdownStep } from './shutdown.js';
import { openStores, type OpenStores } from './store/open-store.js';
import type { ChannelRegistry } from './alerts/registry.js';

/** Under Docker's default 10 s stop timeout, so SIGKILL never cuts the database checkpoint short. */
const SHUTDOWN_TIMEOUT_MS = 8000;

// Lets the old generation grow to 1.5 times what the last full collection kept, instead of V8's
// up to 4 times. What the service keeps is small (25-30 MB) and what it allocates is short-lived
// (a report, a page of the list), so the garbage between full collections was most of its memory:
// after the benchmark's write runs, 145-150 MB resident against 200-205, with no measurable cost
// in requests per second (README, Benchmark). Set here, not on the command line, so it holds
// however the service is started; V8 reads it at every full collection.
setFlagsFromString('--heap-growing-percent=50');

async function main(): Promise<void> {
  // A .env file in the working directory fills in what the real environment does not set.
  if (existsSync('.env')) process.loadEnvFile('.env');

  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\nSee .env.example for every variable and its default.\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  const dataDir = dirname(resolve(config.databasePath));
  // Before anything is written there: a root-owned bind mount would otherwise fail with a bare EACCES.
  const problem = config.databaseUrl === undefined ? dataDirProblem(dataDir) : undefined;
  if (problem !== undefined) {
    logger.fatal({ dir: dataDir }, problem);
    process.exit(1);
  }

  let apiKey = config.apiKey;
  if (apiKey === undefined) {
    const stored = loadOrCreateApiKey(dataDir);
    apiKey = stored.key;
    if (stored.created) {
      // Printed once, on purpose, so the operator can sign in; later starts only name the file.
      process.stdout.write(
        `\nNo API_KEY was set, so one was generated and saved to ${stored.path} (mode 0600):\n\n    ${stored.key}\n\n` +
          'Send it as the X-API-Key header. Set API_KEY to use your own instead.\n\n',
      );
    } else {
      logger.info({ path: stored.path }, 'using the API key stored in the data directory');
    }
  }

  // The database named where it is a path; a DATABASE_URL may carry a password.
  const where = config.databaseUrl === undefined ? { path: config.databasePath } : { database: 'postgres' };
  let stores: OpenStores;
  // Alerts are raised in the ingest transaction itself (the outbox), so the rules come before the store.
  let channels!: ChannelRegistry;
  let alertTrigger!: RuleTrigger;
  try {
    stores = await openStores(config, logger, async (projectAlerts) => {
      // Several instances on PostgreSQL: another instance's PUT reaches this one within two seconds.
      channels = await createChannelRegistry(config, projectAlerts, logger, { refreshEveryMs: config.databaseUrl === undefined ? undefined : 2000 });
      alertTrigger = createRuleTrigger({ rules: channels.rules, cooldownMs: config.alerts.cooldownSeconds * 1000, now: () => new Date() });
      return alertTrigger;
    });
  } catch (err) {
    logger.fatal({ ...where, reason: (err as Error).message }, 'cannot open the database');
    process.exit(1);
  }
  const { store } = stores;
  try {
    // A file opened read-only (permissions, read-only mount) would otherwise fail only at the first report.
    await store.probeWrite();
  } catch (err) {
    logger.fatal({ ...where, reason: (err as Error).message }, 'the database is not writable');
    process.exit(1);
  }

  const isSecret = keyMatcher(config.scrubFields);
  installCrashHandlers({
    logger,
    onCrash: (err, kind) => {
      if (config.selfReport) void store.ingest(prepareReport(crashReport(err, kind), { isSecret, now: new Date() }));
      store.close(); // writes what is queued (the crash report too) synchronously, then checkpoints
    },
    exit: (code) => process.exit(code),
  });

  const alerts = await createAlertsService({
    config,
    store,
    stateStore: stores.alertState,
    outbox: stores.outbox,
    trigger: alertTrigger,
    logger,
    deliver: channels.deliver,
    channelsFor: channels.channelsFor,
    channelById: channels.channelById,
  });
  const { outbox } = stores;
  const app = await buildApp({
    config,
    apiKey,
    store,
    logger,
    onIngested: alerts.onIngested,
    alerts,
    quotaStore: stores.quotaStore,
    quotaCounter: stores.quotaCounter,
    tokenStore: stores.tokenStore,
    releaseStore: stores.releaseStore,
    projectAlertStore: channels.projectAlertStore,
    recordDelivery: (id, result) => outbox.recordDelivery(id, result),
    lastDeliveries: async () => new Map(Object.entries(await outbox.lastDeliveries())),
    artifactStore: stores.artifactStore,
    sourceMaps: stores.sourceMaps,
    liveBus: stores.liveBus,
  });
  const retention = startRetention({
    store,
    logger,
    retentionDays: config.retentionDays,
    intervalHours: config.retentionIntervalHours,
    now: () => new Date(),
    artifacts: { store: stores.artifactStore, retentionDays: config.sourcemapUploads.retentionDays, keepReleases: config.sourcemapUploads.keepReleases },
  });

  const steps: ShutdownStep[] = [
    { name: 'http', run: () => app.close() }, // stops accepting, lets in-flight requests finish
    { name: 'retention', run: () => retention.stop() },
    // Bounded: a dead SMTP server must not hold the shutdown; what is not sent stays in the outbox for the next start.
    { name: 'alerts', run: (ms) => alerts.close(Math.min(ms, 5000)) },
    { name: 'database', run: () => stores.end() }, // writes the queue, checkpoints (TRUNCATE) or ends the pool, closes
  ];
  handleSignals({ steps, timeoutMs: SHUTDOWN_TIMEOUT_MS, logger, exit: (code) => process.exit(code) });

  applyConnectionLimits(app.server, config.connections, logger);
  await app.listen({ port: config.port, host: config.host });
}

main().catch((err: unknown) => {
  process.stderr.write(`error-tracker failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
