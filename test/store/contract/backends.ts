// The two store backends the contract suite runs on: SQLite in memory, and a fresh database on the suite's PostgreSQL server.
import { inject } from 'vitest';
import type { ProjectAlertStore } from '../../../src/alerts/channels/types.js';
import type { SourceMapLookup } from '../../../src/sourcemaps/types.js';
import { createSqliteAlertStateStore } from '../../../src/store/sqlite/alert-state.js';
import { createSqliteArtifactStore } from '../../../src/store/sqlite/artifacts.js';
import { createSqliteStore } from '../../../src/store/sqlite/index.js';
import { migrate } from '../../../src/store/sqlite/migrate.js';
import { openDatabase } from '../../../src/store/sqlite/open-database.js';
import { createSqliteOutboxStore } from '../../../src/store/sqlite/outbox.js';
import { createSqliteProjectAlertStore } from '../../../src/store/sqlite/project-alerts.js';
import { createSqliteQuotaStore } from '../../../src/store/sqlite/quotas.js';
import { createSqliteReleaseStore } from '../../../src/store/sqlite/releases.js';
import { createSqliteSourceMapLookup } from '../../../src/store/sqlite/sourcemap-lookup.js';
import { createSqliteTokenStore } from '../../../src/store/sqlite/tokens.js';
import { openPgStores } from '../../../src/store/pg/index.js';
import { migratePg } from '../../../src/store/pg/migrate.js';
import type { AlertStateStore, AlertTrigger, ArtifactStore, OutboxStore, QuotaStore, ReleaseStore, Store, TokenStore } from '../../../src/store/types.js';
import { createDatabase } from '../../pg/postgres-server.js';

export interface Backend {
  store: Store;
  alertState: AlertStateStore;
  quotaStore: QuotaStore;
  tokenStore: TokenStore;
  releaseStore: ReleaseStore;
  outbox: OutboxStore;
  projectAlerts: ProjectAlertStore;
  artifactStore: ArtifactStore;
  sourceMaps: SourceMapLookup;
  close(): Promise<void>;
}

export type BackendName = 'sqlite' | 'postgres';
export const BACKENDS: BackendName[] = ['sqlite', 'postgres'];

/** `alertTrigger`: the rules that raise alerts in each write's transaction. */
export async function openBackend(name: BackendName, now: () => Date, { alertTrigger }: { alertTrigger?: AlertTrigger } = {}): Promise<Backend> {
  if (name === 'sqlite') {
    const db = openDatabase(':memory:');
    migrate(db);
    const store = createSqliteStore(db, { now, alertTrigger });
    return {
      store,
      alertState: createSqliteAlertStateStore(db),
      quotaStore: createSqliteQuotaStore(db),
      tokenStore: createSqliteTokenStore(db, { now }),
      releaseStore: createSqliteReleaseStore(db, { now }),
      outbox: createSqliteOutboxStore(db),
      projectAlerts: createSqliteProjectAlertStore(db, { now }),
      artifactStore: createSqliteArtifactStore(db, { now }),
      sourceMaps: createSqliteSourceMapLookup(db),
      close: async () => store.close(),
    };
  }
  const url = await createDatabase(inject('pgAdminUrl'), { migrated: true });
  const s = openPgStores(url, { now, max: 4, alertTrigger });
  // Already migrated (the template): this finds nothing to do, as a second instance would.
  await migratePg(s.pool);
  return { ...s, alertState: s.alertState, close: () => s.store.end() };
}
