// Opens the configured store: SQLite at DATABASE_PATH (the default), or PostgreSQL at DATABASE_URL; the server knows no more than this.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { QuotaCounter } from '../quota/window-counter.js';
import { migratePg } from './pg/migrate.js';
import { openPgStores } from './pg/index.js';
import { createSqliteAlertStateStore } from './sqlite/alert-state.js';
import { createSqliteStore } from './sqlite/index.js';
import { migrate } from './sqlite/migrate.js';
import { openDatabase } from './sqlite/open-database.js';
import { createSqliteQuotaStore } from './sqlite/quotas.js';
import { createSqliteReleaseStore } from './sqlite/releases.js';
import { createSqliteTokenStore } from './sqlite/tokens.js';
import type { AlertStateStore, QuotaStore, ReleaseStore, Store, TokenStore } from './types.js';

export interface OpenStores {
  backend: 'sqlite' | 'postgres';
  store: Store;
  alertState: AlertStateStore;
  quotaStore: QuotaStore;
  /** PostgreSQL: quota windows counted in the database; SQLite: undefined (counted in memory). */
  quotaCounter?: QuotaCounter;
  tokenStore: TokenStore;
  releaseStore: ReleaseStore;
  /** The graceful shutdown's last step: writes what is queued and closes. */
  end(): Promise<void>;
}

/** How long a starting instance waits for PostgreSQL before it gives up (and its supervisor restarts it). */
const CONNECT_PATIENCE_MS = 60_000;

/** Opens and migrates; throws with the reason when the database cannot be used. */
export async function openStores(config: Readonly<Config>, logger: Logger): Promise<OpenStores> {
  if (config.databaseUrl === undefined) {
    const db = openDatabase(config.databasePath);
    const applied = migrate(db);
    if (applied.length > 0) logger.info({ applied, path: config.databasePath }, 'database migrated');
    const store = createSqliteStore(db);
    return {
      backend: 'sqlite',
      store,
      alertState: createSqliteAlertStateStore(db),
      quotaStore: createSqliteQuotaStore(db),
      tokenStore: createSqliteTokenStore(db),
      releaseStore: createSqliteReleaseStore(db),
      end: async () => store.close(),
    };
  }
  const pg = openPgStores(config.databaseUrl, { max: config.databasePoolSize });
  // Instances start together with the database (compose, a rollout): wait for it a while.
  const deadline = Date.now() + CONNECT_PATIENCE_MS;
  for (;;) {
    try {
      // The first instance to take the migration lock applies what is missing; the others wait, then find nothing to do.
      const applied = await migratePg(pg.pool);
      if (applied.length > 0) logger.info({ applied }, 'PostgreSQL database migrated');
      break;
    } catch (err) {
      const code = (err as { code?: string }).code;
      const transient = code === 'ECONNREFUSED' || code === '57P03' || /timeout|terminated/i.test((err as Error).message);
      if (!transient || Date.now() > deadline) {
        await pg.pool.end().catch(() => {});
        throw err;
      }
      logger.warn({ reason: (err as Error).message }, 'PostgreSQL is not reachable yet; retrying');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  return {
    backend: 'postgres',
    store: pg.store,
    alertState: pg.alertState,
    quotaStore: pg.quotaStore,
    quotaCounter: pg.quotaCounter,
    tokenStore: pg.tokenStore,
    releaseStore: pg.releaseStore,
    end: () => pg.store.end(),
  };
}
