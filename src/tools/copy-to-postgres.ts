// `npm run copy-to-postgres -- <sqlite file> <postgres url>`: copies a SQLite database into an empty PostgreSQL one, in resumable chunks.
import Database from 'better-sqlite3';
import { decodeDetails } from '../store/occurrence-details.js';
import { migratePg } from '../store/pg/migrate.js';
import { inTransaction, isPostgresUrl, openPool, type Client, type Pool } from '../store/pg/pool.js';
import { pgText } from '../store/pg/text.js';
import { loadMigrations } from '../store/sqlite/migrate.js';

/** Groups per transaction, with their tracebacks, occurrences, hourly counts and tags. */
const GROUPS_PER_CHUNK = 500;

type Row = Record<string, unknown>;

/** Columns copied per table, in SQLite's names (the same in PostgreSQL); booleans and details converted. */
const SMALL_TABLES: Array<{ table: string; key: string; columns: string[] }> = [
  { table: 'projects', key: 'id', columns: ['id', 'name', 'ingest_key', 'created_at'] },
  { table: 'project_quotas', key: 'project', columns: ['project', 'per_minute', 'per_hour'] },
  { table: 'dropped_events', key: 'project, hour', columns: ['project', 'hour', 'count'] },
  { table: 'alert_cooldowns', key: 'fingerprint', columns: ['fingerprint', 'alerted_at'] },
  { table: 'alert_sends', key: 'id', columns: ['id', 'sent_at'] },
  { table: 'alert_held', key: 'id', columns: ['id', 'new_count', 'regression_count', 'since', 'due_at'] },
  { table: 'alert_held_samples', key: 'id', columns: ['id', 'kind', 'group_id', 'project', 'exception_type', 'message', 'at'] },
  { table: 'sentry_events', key: 'seq', columns: ['seq', 'project_id', 'event_id', 'received_at'] },
  { table: 'releases', key: 'project, version', columns: ['project', 'version', 'created_at', 'created_by', 'finalized_at'] },
  { table: 'deploys', key: 'id', columns: ['id', 'project', 'version', 'environment', 'name', 'url', 'started_at', 'finished_at'] },
  { table: 'api_tokens', key: 'id', columns: ['id', 'kind', 'name', 'token_hash', 'prefix', 'projects', 'scopes', 'created_at', 'last_used_at', 'revoked_at'] },
];

const GROUP_TABLES: Array<{ table: string; columns: string[] }> = [
  { table: 'error_tracebacks', columns: ['error_id', 'traceback'] },
  { table: 'error_occurrences', columns: ['error_id', 'slot', 'seq', 'timestamp', 'message', 'request_url', 'request_method', 'request_headers', 'user_id', 'extra', 'release', 'environment', 'details'] },
  { table: 'error_hourly_counts', columns: ['error_id', 'hour', 'count'] },
  { table: 'error_tags', columns: ['error_id', 'key', 'value', 'count'] },
];
const ERROR_COLUMNS = ['id', 'fingerprint', 'project', 'exception_type', 'message', 'file', 'line', 'function', 'source', 'count', 'first_seen', 'last_seen', 'resolved', 'resolved_at', 'release', 'environment'];
const IDENTITY_TABLES = ['projects', 'errors', 'alert_sends', 'alert_held_samples', 'sentry_events', 'deploys', 'api_tokens'];

function value(column: string, v: unknown): unknown {
  if (column === 'resolved') return v === 1;
  if (column === 'details') return v == null ? null : JSON.stringify(decodeDetails(v));
  return typeof v === 'string' ? pgText(v) : v;
}

/** Inserts rows as one multi-row statement; a row already there (a resumed copy) is left alone. */
async function insertRows(c: Client, table: string, columns: string[], rows: Row[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 1000) {
    const part = rows.slice(start, start + 1000);
    const values: unknown[] = [];
    const tuples = part.map((r) => `(${columns.map((col) => `$${values.push(value(col, r[col]))}`).join(', ')})`);
    await c.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`, values);
  }
}

export async function copyToPostgres(sqlitePath: string, url: string, progress: (line: string) => void): Promise<{ groups: number }> {
  const src = new Database(sqlitePath, { readonly: true, fileMustExist: true });
  const pool: Pool = openPool(url, { max: 2, applicationName: 'error-tracker copy-to-postgres' });
  try {
    const version = src.pragma('user_version', { simple: true }) as number;
    const known = loadMigrations().length;
    if (version !== known) throw new Error(`the SQLite database is at schema version ${version}, this build at ${known}: start this release once on it (it migrates), then copy`);
    await migratePg(pool);
    // The progress of an interrupted copy; without it the target must be empty.
    const { rows: started } = await pool.query<{ t: string | null }>("SELECT to_regclass('copy_progress')::text AS t");
    if (started[0]!.t === null) {
      const { rows } = await pool.query<{ n: number }>('SELECT (SELECT count(*) FROM errors) + (SELECT count(*) FROM projects) AS n');
      if (rows[0]!.n > 0) throw new Error('the PostgreSQL database is not empty (and holds no interrupted copy to resume)');
      await pool.query('CREATE TABLE copy_progress (what text PRIMARY KEY, last_id bigint NOT NULL)');
    }
    const done = async (what: string) => (await pool.query<{ last_id: number }>('SELECT last_id FROM copy_progress WHERE what = $1', [what])).rows[0]?.last_id;

    for (const t of SMALL_TABLES) {
      if ((await done(t.table)) !== undefined) continue;
      const rows = src.prepare(`SELECT ${t.columns.join(', ')} FROM ${t.table} ORDER BY ${t.key}`).all() as Row[];
      await inTransaction(pool, async (c) => {
        await insertRows(c, t.table, t.columns, rows);
        await c.query('INSERT INTO copy_progress (what, last_id) VALUES ($1, 0)', [t.table]);
      });
      progress(`${t.table}: ${rows.length} rows`);
    }

    const total = (src.prepare('SELECT count(*) AS n FROM errors').get() as { n: number }).n;
    let cursor = (await done('errors')) ?? 0;
    let copied = (src.prepare('SELECT count(*) AS n FROM errors WHERE id <= ?').get(cursor) as { n: number }).n;
    const groupsAfter = src.prepare(`SELECT ${ERROR_COLUMNS.join(', ')} FROM errors WHERE id > ? ORDER BY id LIMIT ?`);
    const ofGroups = new Map(GROUP_TABLES.map((t) => [t.table, src.prepare(`SELECT ${t.columns.join(', ')} FROM ${t.table} WHERE error_id > ? AND error_id <= ?`)]));
    for (;;) {
      const groups = groupsAfter.all(cursor, GROUPS_PER_CHUNK) as Row[];
      if (groups.length === 0) break;
      const last = groups[groups.length - 1]!.id as number;
      // A chunk and its progress mark commit together: an interrupted copy resumes after the last chunk.
      await inTransaction(pool, async (c) => {
        await insertRows(c, 'errors', ERROR_COLUMNS, groups);
        for (const t of GROUP_TABLES) await insertRows(c, t.table, t.columns, ofGroups.get(t.table)!.all(cursor, last) as Row[]);
        await c.query('INSERT INTO copy_progress (what, last_id) VALUES ($1, $2) ON CONFLICT (what) DO UPDATE SET last_id = excluded.last_id', ['errors', last]);
      });
      cursor = last;
      copied += groups.length;
      progress(`groups: ${copied} / ${total}`);
    }
    // New rows get ids after the copied ones.
    for (const table of IDENTITY_TABLES) {
      const key = table === 'sentry_events' ? 'seq' : 'id';
      await pool.query(`SELECT setval(pg_get_serial_sequence('${table}', '${key}'), (SELECT coalesce(max(${key}), 0) + 1 FROM ${table}), false)`);
    }
    await pool.query('DROP TABLE copy_progress');
    await pool.query('ANALYZE');
    return { groups: copied };
  } finally {
    src.close();
    await pool.end();
  }
}

// Run as a command (not when imported by a test).
if (process.argv[1] && /copy-to-postgres\.[jt]s$/.test(process.argv[1])) {
  const [file, url] = process.argv.slice(2);
  if (!file || !isPostgresUrl(url)) {
    process.stderr.write('usage: npm run copy-to-postgres -- <sqlite file> <postgres://user:pass@host:5432/db>\n');
    process.exit(2);
  }
  copyToPostgres(file, url, (line) => process.stderr.write(`${line}\n`)).then(
    ({ groups }) => process.stderr.write(`done: ${groups} groups copied; point DATABASE_URL at the database and start the instances\n`),
    (err: unknown) => {
      process.stderr.write(`copy-to-postgres failed: ${(err as Error).message}\nRun the same command again to resume.\n`);
      process.exit(1);
    },
  );
}
