// Builds a fresh app per test on its own database, with a captured log, and closes it afterwards.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { migrate } from '../src/store/sqlite/migrate.js';
import { openDatabase, type Db } from '../src/store/sqlite/open-database.js';
import { createSqliteQuotaStore } from '../src/store/sqlite/quotas.js';
import { createSqliteReleaseStore } from '../src/store/sqlite/releases.js';
import { createSqliteTokenStore } from '../src/store/sqlite/tokens.js';
import { createSqliteStore } from '../src/store/sqlite/index.js';
import type { IngestListener, PreparedReport, ReleaseStore, Store } from '../src/store/types.js';

export const API_KEY = 'test-operator-key-0123456789abcdef';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  store: Store;
  releaseStore: ReleaseStore;
  /** Every log line the app wrote, as text. */
  logs: () => string;
  /** Moves the app's clock. */
  clock: { now: Date };
  close: () => Promise<void>;
}

export async function buildTestApp(env: Record<string, string> = {}, databasePath = ':memory:', onIngested?: IngestListener): Promise<TestApp> {
  const config = loadConfig({ API_KEY, DATABASE_PATH: databasePath, RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'debug', ...env });
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const db = openDatabase(databasePath);
  migrate(db);
  const clock = { now: new Date('2026-03-01T12:00:00.000Z') };
  const now = () => new Date(clock.now);
  const store = createSqliteStore(db, { now });
  const releaseStore = createSqliteReleaseStore(db, { now });
  const app = await buildApp({ config, apiKey: config.apiKey ?? API_KEY, store, logger, now, onIngested, quotaStore: createSqliteQuotaStore(db), tokenStore: createSqliteTokenStore(db, { now }), releaseStore });
  await app.ready();
  return {
    app,
    db,
    store,
    releaseStore,
    logs: () => chunks.join(''),
    clock,
    close: async () => {
      await app.close();
      store.close();
    },
  };
}

export const auth = { 'x-api-key': API_KEY };

/** A minimal valid report; override any field. */
export function report(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    project: 'shop',
    exception_type: 'ValueError',
    message: 'bad quantity',
    traceback:
      'Traceback (most recent call last):\n' +
      '  File "/srv/app/orders.py", line 12, in place_order\n' +
      '    qty = int(raw)\n' +
      "ValueError: bad quantity\n",
    ...overrides,
  };
}

export async function postError(app: FastifyInstance, body: unknown, headers: Record<string, string> = auth) {
  return app.inject({ method: 'POST', url: '/api/errors', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });
}

/** A report as the pipeline hands it to the store, for store-level tests; override any field. */
export function preparedReport(overrides: Partial<PreparedReport> = {}): PreparedReport {
  return {
    fingerprint: 'f'.repeat(32),
    project: 'shop',
    exceptionType: 'E',
    message: 'm',
    traceback: '',
    file: '',
    line: null,
    function: '',
    source: 'server',
    timestamp: '2026-01-01T00:00:00.000Z',
    requestUrl: null,
    requestMethod: null,
    requestHeaders: null,
    userId: null,
    extra: null,
    release: null,
    environment: null,
    details: null,
    ...overrides,
  };
}
