// The PostgreSQL store: all its SQL lives in this folder; this file composes the parts behind the Store interface and its siblings.
import type { QuotaCounter } from '../../quota/window-counter.js';
import type { ProjectAlertStore } from '../../alerts/channels/types.js';
import type { SourceMapLookup } from '../../sourcemaps/types.js';
import type { AlertStateStore, AlertTrigger, ArtifactStore, OutboxStore, QuotaStore, ReleaseStore, Store, TokenStore } from '../types.js';
import { createPgAlertStateStore } from './alert-state.js';
import { createPgArtifactStore } from './artifacts.js';
import { createPgErrorReader } from './errors-read.js';
import { createPgGroupCommit } from './group-commit.js';
import { createPgListReader } from './list.js';
import { createPgOutboxStore } from './outbox.js';
import { inTransaction, openPool, unavailable, type Pool, type PoolOptions } from './pool.js';
import { createPgProjectAlertStore } from './project-alerts.js';
import { createPgProjectStore } from './projects.js';
import { createPgQuotaCounter, createPgQuotaStore } from './quotas.js';
import { createPgReleaseStore } from './releases.js';
import { createPgSourceMapLookup } from './sourcemap-lookup.js';
import { createPgRetention } from './retention.js';
import { createPgTagCounter } from './tags.js';
import { createPgTokenStore } from './tokens.js';
import { createPgBatchWriter } from './writes.js';

export interface PgStore extends Store {
  /** Writes what is queued, then closes the pool: the graceful shutdown's step (close() cannot wait). */
  end(): Promise<void>;
}

export interface PgStores {
  pool: Pool;
  store: PgStore;
  outbox: OutboxStore;
  projectAlerts: ProjectAlertStore;
  artifactStore: ArtifactStore;
  sourceMaps: SourceMapLookup;
  alertState: AlertStateStore;
  quotaStore: QuotaStore;
  /** Quota windows counted in the database: exact across instances. */
  quotaCounter: QuotaCounter;
  tokenStore: TokenStore;
  releaseStore: ReleaseStore;
}

/**
 * Every read and write maps an unreachable server to STORAGE_UNAVAILABLE (503), so reads answer
 * like writes while PostgreSQL is down, and recover with it: the pool opens new connections.
 */
function guarded<T extends object>(target: T): T {
  for (const [k, v] of Object.entries(target)) {
    if (typeof v !== 'function' || k === 'close') continue;
    (target as Record<string, unknown>)[k] = (...args: unknown[]) => {
      const out = (v as (...a: unknown[]) => unknown)(...args);
      return out instanceof Promise ? out.catch((err: unknown) => Promise.reject(unavailable(err))) : out;
    };
  }
  return target;
}

export interface PgStoreOptions {
  now?: () => Date;
  /** Raises alerts into the outbox in each write's transaction (alerts/rules.ts). */
  alertTrigger?: AlertTrigger;
}

export function createPgStore(pool: Pool, { now = () => new Date(), alertTrigger }: PgStoreOptions = {}): PgStore {
  const knownProjects = new Set<string>();
  const groupCommit = createPgGroupCommit(pool, createPgBatchWriter({ now, tags: createPgTagCounter(), knownProjects }), alertTrigger);
  let ended: Promise<void> | null = null;
  const end = () =>
    (ended ??= groupCommit
      .drain()
      .catch(() => {})
      .then(() => pool.end()));
  return guarded({
    async ingest(report) {
      return (await groupCommit.enqueue(report))!;
    },
    ingestEvent(report, eventId) {
      return groupCommit.enqueue(report, eventId);
    },
    ...createPgListReader(pool),
    ...createPgErrorReader(pool, { now }),
    ...createPgProjectStore(pool, { now, knownProjects }),
    ...createPgRetention(pool, { now }),
    // TODO(issue 20, triage helper)
    triage: () => Promise.reject(new Error('triage is not yet on PostgreSQL')),
    releaseActivity: () => Promise.reject(new Error('releaseActivity is not yet on PostgreSQL')),
    async probeWrite() {
      // A committed transaction with a transaction id: a commit record flushed to the WAL, no rows.
      // Fails on a read-only standby as well as on a server that is down.
      await inTransaction(pool, (c) => c.query('SELECT pg_current_xact_id()'));
    },
    close() {
      void end();
    },
    end,
  });
}

// TODO(issue 20): placeholders the helpers replace with the PostgreSQL twins; none may remain at merge.
function notYet<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get: (_t, prop) => (prop === 'then' ? undefined : () => Promise.reject(new Error(`${what}.${String(prop)} is not yet on PostgreSQL`))),
  });
}

/** The PostgreSQL stores on one bounded pool. Run migratePg first. */
export function openPgStores(url: string, options: PoolOptions & PgStoreOptions = {}): PgStores {
  return pgStores(openPool(url, options), options);
}

/** The project-alert settings alone: the server builds the alert rules from them before the store. */
export function pgProjectAlerts(pool: Pool, { now }: { now?: () => Date } = {}): ProjectAlertStore {
  return guarded(createPgProjectAlertStore(pool, { now }));
}

/** The stores on an open pool. */
export function pgStores(pool: Pool, { now, alertTrigger }: PgStoreOptions = {}): PgStores {
  return {
    pool,
    store: createPgStore(pool, { now, alertTrigger }),
    outbox: guarded(createPgOutboxStore(pool)),
    projectAlerts: pgProjectAlerts(pool, { now }),
    artifactStore: guarded(createPgArtifactStore(pool, { now })),
    sourceMaps: guarded(createPgSourceMapLookup(pool)),
    alertState: guarded(createPgAlertStateStore(pool)),
    quotaStore: guarded(createPgQuotaStore(pool)),
    quotaCounter: createPgQuotaCounter(pool),
    tokenStore: guarded(createPgTokenStore(pool, { now })),
    releaseStore: guarded(createPgReleaseStore(pool, { now })),
  };
}
