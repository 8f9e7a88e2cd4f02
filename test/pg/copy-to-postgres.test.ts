// copy-to-postgres: a SQLite database with rows in every table copied into an empty PostgreSQL one reads the same, row by row and through the stores; an interrupted or killed copy resumes to the same result.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openPgStores } from '../../src/store/pg/index.js';
import { migratePg } from '../../src/store/pg/migrate.js';
import { openPool } from '../../src/store/pg/pool.js';
import { decodeDetails } from '../../src/store/occurrence-details.js';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase } from '../../src/store/sqlite/open-database.js';
import { createSqliteAlertStateStore } from '../../src/store/sqlite/alert-state.js';
import { createSqliteArtifactStore } from '../../src/store/sqlite/artifacts.js';
import { createSqliteOutboxStore } from '../../src/store/sqlite/outbox.js';
import { createSqliteProjectAlertStore } from '../../src/store/sqlite/project-alerts.js';
import { createSqliteQuotaStore } from '../../src/store/sqlite/quotas.js';
import { createSqliteReleaseStore } from '../../src/store/sqlite/releases.js';
import { createSqliteSourceMapLookup } from '../../src/store/sqlite/sourcemap-lookup.js';
import { createSqliteTokenStore } from '../../src/store/sqlite/tokens.js';
import { copyToPostgres } from '../../src/tools/copy-to-postgres.js';
import { GROUP_TABLES, TABLES } from '../../src/tools/copy-tables.js';
import { preparedReport } from '../helper.js';
import { createDatabase } from './postgres-server.js';
import { DEBUG_ID, seedSqlite, type Seeded } from './copy-seed.js';

const GROUPS = 1_100;
/** The seed's groups and the one of its Sentry event: three chunks. */
const TOTAL = GROUPS + 1;
const TOOL = fileURLToPath(new URL('../../dist/tools/copy-to-postgres.js', import.meta.url));
const ALL_TABLES = [...TABLES.map((t) => t.table), ...GROUP_TABLES];
let dir: string;
let file: string;
let seeded: Seeded;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'etrk-copy-'));
  file = join(dir, 'errors.db');
  seeded = await seedSqlite(file, GROUPS);
}, 120_000);

afterAll(() => {
  seeded?.store.close();
  rmSync(dir, { recursive: true, force: true });
});

type Row = Record<string, unknown>;

/** A table's rows in a form both databases give alike: booleans as 0/1, details as their JSON, in key order. */
function normal(rows: Row[], key: string[]): string[] {
  return rows
    .map((r) => {
      const out: Row = {};
      for (const [k, v] of Object.entries(r)) {
        if (k === 'details') out[k] = v === null ? null : typeof v === 'string' && v.startsWith('{') ? JSON.parse(v) : decodeDetails(v);
        else out[k] = typeof v === 'boolean' ? Number(v) : Buffer.isBuffer(v) ? v.toString('hex') : v;
      }
      return { key: JSON.stringify(key.map((k) => r[k])), row: JSON.stringify(out) };
    })
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
    .map((x) => x.row);
}

/** Every copied table, row by row: PostgreSQL's copy equals SQLite's original. */
async function expectSameRows(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) } as never });
  await client.connect();
  try {
    for (const table of ALL_TABLES) {
      const info = seeded.db.prepare('SELECT name, pk FROM pragma_table_info(?)').all(table) as Array<{ name: string; pk: number }>;
      const columns = info.map((c) => c.name);
      const key = info.filter((c) => c.pk > 0).sort((x, y) => x.pk - y.pk).map((c) => c.name);
      const want = seeded.db.prepare(`SELECT ${columns.join(', ')} FROM ${table}`).all() as Row[];
      expect(want.length, `${table} has rows to copy`).toBeGreaterThan(0);
      const got = (await client.query<Row>(`SELECT ${columns.join(', ')} FROM ${table}`)).rows;
      expect(normal(got, key), table).toEqual(normal(want, key));
    }
  } finally {
    await client.end();
  }
}

/** What the service reads through each store: the same on the copy as on the original. */
async function expectSameReads(url: string): Promise<void> {
  const { db, store: sqlite, tokens } = seeded;
  const pgs = openPgStores(url, { max: 2 });
  try {
    expect(await pgs.store.listErrors({ limit: 2000, offset: 0 })).toEqual(await sqlite.listErrors({ limit: 2000, offset: 0 }));
    for (const id of [1, 3, 5, 8, GROUPS]) expect(await pgs.store.getError(id), `group ${id}`).toEqual(await sqlite.getError(id));
    expect(await pgs.store.listProjectSummaries()).toEqual(await sqlite.listProjectSummaries());
    expect(await pgs.store.releaseActivity('shop', ['v0', 'v1'])).toEqual(await sqlite.releaseActivity('shop', ['v0', 'v1']));
    for (const token of tokens) expect(await pgs.tokenStore.findToken(token)).toEqual(await createSqliteTokenStore(db).findToken(token));
    expect(await pgs.alertState.loadAlertState()).toEqual(await createSqliteAlertStateStore(db).loadAlertState());
    expect(await pgs.releaseStore.listDeploys('shop', 'v1')).toEqual(await createSqliteReleaseStore(db).listDeploys('shop', 'v1'));
    expect(await pgs.quotaStore.loadQuotaOverrides()).toEqual(await createSqliteQuotaStore(db).loadQuotaOverrides());
    expect(await pgs.quotaStore.droppedCounts('2026-03-01T00:00:00Z')).toEqual(await createSqliteQuotaStore(db).droppedCounts('2026-03-01T00:00:00Z'));
    expect(await pgs.projectAlerts.getProjectAlertSettings('shop')).toEqual(await createSqliteProjectAlertStore(db).getProjectAlertSettings('shop'));
    expect(await pgs.outbox.lastDeliveries()).toEqual(await createSqliteOutboxStore(db).lastDeliveries());
    expect(await pgs.outbox.pendingChannels()).toEqual(await createSqliteOutboxStore(db).pendingChannels());
    expect(await pgs.artifactStore.usage()).toEqual(await createSqliteArtifactStore(db).usage());
    expect(await pgs.artifactStore.missingChunks(['c'.repeat(40)])).toEqual([]);
    expect(await pgs.sourceMaps.byDebugId('shop', DEBUG_ID)).toEqual(await createSqliteSourceMapLookup(db).byDebugId('shop', DEBUG_ID));
    // New rows are numbered after the copied ones, in every table with ids.
    const next = await pgs.store.ingest(preparedReport({ fingerprint: 'e'.repeat(32) }));
    expect(next).toMatchObject({ id: (db.prepare('SELECT max(id) AS n FROM errors').get() as { n: number }).n + 1, created: true });
    expect((await pgs.tokenStore.createToken({ kind: 'agent', name: 'after', projects: null, scopes: ['read'] })).record.id).toBe(3);
  } finally {
    await pgs.store.end();
  }
}

describe('copy-to-postgres', () => {
  it('copies every table; an interrupted copy resumes after its last chunk; a database with data is refused', { timeout: 180_000 }, async () => {
    const url = await createDatabase(inject('pgAdminUrl'));
    const lines: string[] = [];
    // Interrupted after its first chunk of groups, as a failing connection would leave it.
    await expect(
      copyToPostgres(file, url, (line) => {
        lines.push(line);
        if (line.startsWith('groups:')) throw new Error('interrupted');
      }),
    ).rejects.toThrow('interrupted');
    expect(lines).toContain('projects: 2 / 2 rows');
    expect(lines.at(-1)).toBe(`groups: 500 / ${TOTAL}`);
    const resumed: string[] = [];
    expect(await copyToPostgres(file, url, (line) => resumed.push(line))).toEqual({ groups: TOTAL });
    // Tables done before are not copied again; the groups go on from the chunk after the last.
    expect(resumed).not.toContain('projects: 2 / 2 rows');
    expect(resumed.filter((l) => l.startsWith('groups:'))).toEqual([`groups: 1000 / ${TOTAL}`, `groups: ${TOTAL} / ${TOTAL}`]);
    expect(resumed).toContain('artifact_maps: 2 / 2 rows');

    await expectSameRows(url);
    await expectSameReads(url);
    await expect(copyToPostgres(file, url, () => {})).rejects.toThrow(/not empty/);
  });

  it('refuses a SQLite table it has no copy rule for, before writing anything', async () => {
    const other = join(dir, 'extra.db');
    const db = openDatabase(other);
    migrate(db);
    db.exec('CREATE TABLE extra (id INTEGER PRIMARY KEY)');
    db.close();
    const url = await createDatabase(inject('pgAdminUrl'));
    await expect(copyToPostgres(other, url, () => {})).rejects.toThrow(/no copy rule for SQLite table\(s\) extra/);
    const pool = openPool(url, { max: 1 });
    try {
      expect((await pool.query("SELECT to_regclass('copy_progress') AS t")).rows[0]).toEqual({ t: null });
    } finally {
      await pool.end();
    }
  });

  it('killed (-9) in the middle of a chunk, the command run again finishes with the same result', { timeout: 180_000 }, async () => {
    const url = await createDatabase(inject('pgAdminUrl'));
    const pool = openPool(url, { max: 2 });
    const run = () => {
      const child = spawn(process.execPath, [TOOL, file, url], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      return { child, exited, stderr: () => stderr };
    };
    try {
      await migratePg(pool);
      // Holding error_tags stops the copy inside its first chunk of groups, its rows written and not committed.
      const blocker = await pool.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE error_tags IN EXCLUSIVE MODE');
      const first = run();
      const deadline = Date.now() + 120_000;
      for (;;) {
        const { rows } = await pool.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'error-tracker copy-to-postgres' AND wait_event_type = 'Lock'");
        if (rows.length > 0) break;
        if (first.child.exitCode !== null || Date.now() > deadline) throw new Error(`the copy did not reach the lock: ${first.stderr()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      first.child.kill('SIGKILL');
      await first.exited;
      await blocker.query('ROLLBACK');
      blocker.release();
      expect(first.stderr()).toContain('projects: 2 / 2 rows');
      expect(first.stderr()).not.toContain('groups:');
      // What the killed copy left: its earlier tables committed, none of the chunk it was in.
      const left = await pool.query<{ groups: number; projects: number }>('SELECT (SELECT count(*) FROM errors) AS groups, (SELECT count(*) FROM projects) AS projects');
      expect(left.rows[0]).toEqual({ groups: 0, projects: 2 });

      const second = run();
      expect(await second.exited, second.stderr()).toBe(0);
      expect(second.stderr()).toContain(`groups: ${TOTAL} / ${TOTAL}`);
      expect(second.stderr()).toMatch(/^done: \d+ groups copied/m);
      expect((await pool.query("SELECT to_regclass('copy_progress') AS t")).rows[0]).toEqual({ t: null });
    } finally {
      await pool.end();
    }
    await expectSameRows(url);
  });
});
