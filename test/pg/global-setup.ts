// One PostgreSQL server for the whole suite: each test file makes its own database on it (createDatabase).
import type { TestProject } from 'vitest/node';
import { migratePg } from '../../src/store/pg/migrate.js';
import { openPool } from '../../src/store/pg/pool.js';
import { createDatabase, MIGRATED_TEMPLATE, startPostgres, type PostgresServer } from './postgres-server.js';
import pg from 'pg';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

let server: PostgresServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startPostgres();
  // Migrated once: a test's database is a copy of it (CREATE DATABASE ... TEMPLATE), a few ms.
  const url = await createDatabase(server.adminUrl);
  const pool = openPool(url, { max: 1 });
  await migratePg(pool);
  await pool.end();
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${new URL(url).pathname.slice(1)} RENAME TO ${MIGRATED_TEMPLATE}`);
  await admin.end();
  project.provide('pgAdminUrl', server.adminUrl);
}

export async function teardown(): Promise<void> {
  await server?.destroy();
}
