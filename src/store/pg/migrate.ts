// Applies migrations/pg/ once per database: whichever instance takes the migration lock first, each file in its own transaction.
import { fileURLToPath } from 'node:url';
import { loadMigrations, SchemaTooNewError, type Migration } from '../sqlite/migrate.js';
import type { Pool } from './pool.js';

export const PG_MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/pg/', import.meta.url));

/** An advisory lock key: "ETRK" and 1. Instances starting together wait here for the first one. */
const MIGRATION_LOCK = 0x4554524b0001n;

export function loadPgMigrations(dir = PG_MIGRATIONS_DIR): Migration[] {
  return loadMigrations(dir);
}

/** Returns the versions applied now (none when another instance applied them first). */
export async function migratePg(pool: Pool, migrations = loadPgMigrations()): Promise<number[]> {
  const client = await pool.connect();
  try {
    // A session lock, held across the per-file transactions; released on unlock or disconnect.
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)`);
      const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
      const current = rows[0]?.v ?? 0;
      if (current > migrations.length) throw new SchemaTooNewError(current, migrations.length);
      const applied: number[] = [];
      for (const m of migrations.slice(current)) {
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
    }
  } finally {
    client.release();
  }
}

/** The schema version of the database (0 when never migrated). */
export async function pgSchemaVersion(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ v: number | null }>("SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE (SELECT max(version) FROM schema_migrations) END AS v");
  return rows[0]?.v ?? 0;
}
