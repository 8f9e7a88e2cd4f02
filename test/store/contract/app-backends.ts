// The app built on either store backend, so API-level contract cases (triage, trend, releases) run on SQLite and on PostgreSQL alike.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import type { IngestListener, ReleaseStore, Store } from '../../../src/store/types.js';
import { API_KEY, buildTestApp } from '../../helper.js';
import { openBackend, type BackendName } from './backends.js';

export interface BackendApp {
  app: FastifyInstance;
  store: Store;
  releaseStore: ReleaseStore;
  /** Moves the app's clock. */
  clock: { now: Date };
  close: () => Promise<void>;
}

/** SQLite: the usual test app (test/helper.ts); PostgreSQL: the same app on a fresh database of the suite's server. */
export async function buildAppOn(name: BackendName, onIngested?: IngestListener): Promise<BackendApp> {
  if (name === 'sqlite') return buildTestApp({}, ':memory:', onIngested);
  const clock = { now: new Date('2026-03-01T12:00:00.000Z') };
  const now = () => new Date(clock.now);
  const b = await openBackend(name, now);
  const config = loadConfig({ API_KEY, DATABASE_PATH: ':memory:', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' });
  const logger = createLogger(config.logLevel, new Writable({ write: (_c, _e, cb) => cb() }));
  const app = await buildApp({ config, apiKey: API_KEY, store: b.store, logger, now, onIngested, quotaStore: b.quotaStore, tokenStore: b.tokenStore, releaseStore: b.releaseStore });
  await app.ready();
  return {
    app,
    store: b.store,
    releaseStore: b.releaseStore,
    clock,
    close: async () => {
      await app.close();
      await b.close();
    },
  };
}
