// PostgreSQL migrations: instances starting together apply each file once, whichever takes the lock; a newer schema is refused.
import { expect, inject, it } from 'vitest';
import { loadPgMigrations, migratePg, pgSchemaVersion } from '../../src/store/pg/migrate.js';
import { openPool } from '../../src/store/pg/pool.js';
import { loadMigrations } from '../../src/store/sqlite/migrate.js';
import { createDatabase } from './postgres-server.js';

it('numbers its files as SQLite does: version N on both is the same step', () => {
  expect(loadPgMigrations().map((m) => m.version)).toEqual(loadMigrations().map((m) => m.version));
});

it('applies every file once when three instances migrate an empty database at the same time', { timeout: 60_000 }, async () => {
  const url = await createDatabase(inject('pgAdminUrl'));
  const pools = [0, 1, 2].map(() => openPool(url, { max: 1 }));
  try {
    const applied = await Promise.all(pools.map((p) => migratePg(p)));
    const all = loadPgMigrations().map((m) => m.version);
    expect(applied.filter((a) => a.length > 0)).toEqual([all]);
    expect(applied.flat()).toHaveLength(all.length);
    const { rows } = await pools[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(all);
    expect(await pgSchemaVersion(pools[0]!)).toBe(all.length);
    // A build that knows fewer migrations than the database has refuses it.
    await expect(migratePg(pools[1]!, loadPgMigrations().slice(0, -1))).rejects.toThrow(/newer release/);
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
});
