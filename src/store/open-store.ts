// Opens the configured store: SQLite at DATABASE_PATH (the default), or PostgreSQL at DATABASE_URL; the server knows no more than this.
import type { ProjectAlertStore } from '../alerts/channels/types.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { LiveBus } from '../live/types.js';
import type { QuotaCounter } from '../quota/window-counter.js';
import type { SourceMapLookup } from '../sourcemaps/types.js';
import { migratePg } from './pg/migrate.js';
import { pgProjectAlerts, pgStores } from './pg/index.js';
import { createPgLiveBus } from './pg/live-bus.js';
import { openPool } from './pg/pool.js';
import { createSqliteAlertStateStore } from './sqlite/alert-state.js';
import { createSqliteArtifactStore } from './sqlite/artifacts.js';
import { createSqliteStore } from './sqlite/index.js';
import { migrate } from './sqlite/migrate.js';
import { openDatabase } from './sqlite/open-database.js';
import { createSqliteOutboxStore } from './sqlite/outbox.js';
import { createSqliteProjectAlertStore } from './sqlite/project-alerts.js';
import { createSqliteQuotaStore } from './sqlite/quotas.js';
import { createSqliteReleaseStore } from './sqlite/releases.js';
import { createSqliteSourceMapLookup } from './sqlite/sourcemap-lookup.js';
import { createSqliteTokenStore } from './sqlite/tokens.js';
import type { AlertStateStore, AlertTrigger, ArtifactStore, OutboxStore, QuotaStore, ReleaseStore, Store, TokenStore } from './types.js';

export interface OpenStores {
  backend: 'sqlite' | 'postgres';
  store: Store;
  alertState: AlertStateStore;
  outbox: OutboxStore;
  projectAlerts: ProjectAlertStore;
  quotaStore: QuotaStore;
  /** PostgreSQL: quota windows counted in the database; SQLite: undefined (counted in memory). */
  quotaCounter?: QuotaCounter;
  tokenStore: TokenStore;
  releaseStore: ReleaseStore;
  artifactStore: ArtifactStore;
  sourceMaps: SourceMapLookup;
  /** PostgreSQL: live changes between instances (LISTEN/NOTIFY); SQLite: undefined (the in-process bus). Closed with the app. */
  liveBus?: LiveBus;
  /** The graceful shutdown's last step: writes what is queued and closes. */
  end(): Promise<void>;
}

/**
 * Alerts are raised in the ingest transaction (the outbox), and the rules read the projects' alert
 * settings: the server builds the trigger from the project-alert store before the store is made.
 */
export type TriggerFor = (projectAlerts: ProjectAlertStore) => Promise<AlertTrigger | undefined>;

/** How long a starting instance waits for PostgreSQL before it gives up (and its supervisor restarts it). */
const CONNECT_PATIENCE_MS = 60_000;

/** Opens and migrates; throws with the reason when the database cannot be used. */
export async function openStores(config: Readonly<Config>, logger: Logger, triggerFor: TriggerFor = async () => undefined): Promise<OpenStores> {
  if (config.databaseUrl === undefined) {
    const db = openDatabase(config.databasePath);
    const applied = migrate(db);
    if (applied.length > 0) logger.info({ applied, path: config.databasePath }, 'database migrated');
    const projectAlerts = createSqliteProjectAlertStore(db);
    const store = createSqliteStore(db, { alertTrigger: await triggerFor(projectAlerts) });
    return {
      backend: 'sqlite',
      store,
      alertState: createSqliteAlertStateStore(db),
      outbox: createSqliteOutboxStore(db),
      projectAlerts,
      quotaStore: createSqliteQuotaStore(db),
      tokenStore: createSqliteTokenStore(db),
      releaseStore: createSqliteReleaseStore(db),
      artifactStore: createSqliteArtifactStore(db),
      sourceMaps: createSqliteSourceMapLookup(db),
      end: async () => store.close(),
    };
  }
  const url = config.databaseUrl;
  // Instances start together with the database (compose, a rollout): wait for it a while.
  const deadline = Date.now() + CONNECT_PATIENCE_MS;
  const pool = openPool(url, { max: config.databasePoolSize });
  for (;;) {
    try {
      // The first instance to take the migration lock applies what is missing; the others wait, then find nothing to do.
      const applied = await migratePg(pool);
      if (applied.length > 0) logger.info({ applied }, 'PostgreSQL database migrated');
      break;
    } catch (err) {
      const code = (err as { code?: string }).code;
      const transient = code === 'ECONNREFUSED' || code === '57P03' || /timeout|terminated/i.test((err as Error).message);
      if (!transient || Date.now() > deadline) {
        await pool.end().catch(() => {});
        throw err;
      }
      logger.warn({ reason: (err as Error).message }, 'PostgreSQL is not reachable yet; retrying');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const pg = pgStores(pool, { alertTrigger: await triggerFor(pgProjectAlerts(pool)) });
  return {
    backend: 'postgres',
    store: pg.store,
    alertState: pg.alertState,
    outbox: pg.outbox,
    projectAlerts: pg.projectAlerts,
    quotaStore: pg.quotaStore,
    quotaCounter: pg.quotaCounter,
    tokenStore: pg.tokenStore,
    releaseStore: pg.releaseStore,
    artifactStore: pg.artifactStore,
    sourceMaps: pg.sourceMaps,
    liveBus: createPgLiveBus({ url, pool, logger }),
    end: () => pg.store.end(),
  };
}
