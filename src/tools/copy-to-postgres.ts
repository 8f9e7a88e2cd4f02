// `npm run copy-to-postgres -- <sqlite file> <postgres url>`: copies a SQLite database into an empty PostgreSQL one, in resumable chunks.
import Database from 'better-sqlite3';
import { migratePg } from '../store/pg/migrate.js';
import { inTransaction, isPostgresUrl, openPool, type Client, type Pool } from '../store/pg/pool.js';
import { loadMigrations } from '../store/sqlite/migrate.js';
import { GROUP_TABLES, GROUPS_PER_CHUNK, isInternal, NOT_COPIED, ROWS_PER_STATEMENT, TABLES, toPg } from './copy-tables.js';

type Row = Record<string, unknown>;

/** A table as both sides have it: SQLite's columns with PostgreSQL's type of each, and SQLite's primary key. */
interface Plan {
  table: string;
  columns: Array<{ name: string; pgType: string }>;
  key: string[];
}

async function plan(src: Database.Database, pool: Pool, table: string): Promise<Plan> {
  const info = src.prepare(`SELECT name, pk FROM pragma_table_info(?)`).all(table) as Array<{ name: string; pk: number }>;
  if (info.length === 0) throw new Error(`the SQLite database has no table ${table}`);
  const { rows } = await pool.query<{ column_name: string; data_type: string }>(
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
    [table],
  );
  const pgTypes = new Map(rows.map((r) => [r.column_name, r.data_type]));
  // Nothing is dropped on the way: a column PostgreSQL lacks means its migrations are behind.
  const columns = info.map(({ name }) => {
    const pgType = pgTypes.get(name);
    if (pgType === undefined) throw new Error(`PostgreSQL has no column ${table}.${name}: its migrations do not match SQLite's`);
    return { name, pgType };
  });
  const key = info.filter((c) => c.pk > 0).sort((x, y) => x.pk - y.pk).map((c) => c.name);
  if (key.length === 0) throw new Error(`the SQLite table ${table} has no primary key to copy it in order by`);
  return { table, columns, key };
}

/** Inserts rows as multi-row statements; a row already there (a resumed copy) is left alone. */
async function insertRows(c: Client, p: Plan, rows: Row[]): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const values: unknown[] = [];
    const tuples = rows.slice(start, start + ROWS_PER_STATEMENT).map((r) => `(${p.columns.map((col) => `$${values.push(toPg(col.pgType, col.name, r[col.name]))}`).join(', ')})`);
    await c.query(`INSERT INTO ${p.table} (${p.columns.map((col) => col.name).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`, values);
  }
}

/** Refuses a SQLite table this build does not know how to copy, rather than leave it behind. */
function checkCoverage(src: Database.Database): void {
  const known = new Set([...TABLES.map((t) => t.table), 'errors', ...GROUP_TABLES, ...Object.keys(NOT_COPIED)]);
  const tables = (src.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name);
  const unknown = tables.filter((t) => !known.has(t) && !isInternal(t));
  if (unknown.length > 0) throw new Error(`no copy rule for SQLite table(s) ${unknown.join(', ')} (src/tools/copy-tables.ts)`);
}

/** Where each table's copy stands: the key of the last row copied (JSON), null before the first chunk, 'done' once whole. */
interface Progress {
  get(what: string): Promise<string | null>;
  /** In the chunk's transaction: the chunk and its mark commit together, so an interrupted copy resumes after the last chunk. */
  set(c: Client, what: string, lastKey: string): Promise<unknown>;
}

function progressTable(pool: Pool): Progress {
  return {
    get: async (what) => (await pool.query<{ last_key: string }>('SELECT last_key FROM copy_progress WHERE what = $1', [what])).rows[0]?.last_key ?? null,
    set: (c, what, lastKey) => c.query('INSERT INTO copy_progress (what, last_key) VALUES ($1, $2) ON CONFLICT (what) DO UPDATE SET last_key = excluded.last_key', [what, lastKey]),
  };
}

/** One table in chunks of `chunk` rows in its primary key's order. */
async function copyTable(src: Database.Database, pool: Pool, marks: Progress, table: string, chunk: number, progress: (line: string) => void): Promise<void> {
  let cursor = await marks.get(table);
  if (cursor === 'done') return;
  const p = await plan(src, pool, table);
  const keyList = p.key.join(', ');
  const keyParams = p.key.map(() => '?').join(', ');
  const select = `SELECT ${p.columns.map((c) => c.name).join(', ')} FROM ${table}`;
  const first = src.prepare(`${select} ORDER BY ${keyList} LIMIT ?`);
  const after = src.prepare(`${select} WHERE (${keyList}) > (${keyParams}) ORDER BY ${keyList} LIMIT ?`);
  const total = (src.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  let copied = cursor === null ? 0 : (src.prepare(`SELECT count(*) AS n FROM ${table} WHERE (${keyList}) <= (${keyParams})`).get(...(JSON.parse(cursor) as unknown[])) as { n: number }).n;
  for (;;) {
    const rows = (cursor === null ? first.all(chunk) : after.all(...(JSON.parse(cursor) as unknown[]), chunk)) as Row[];
    const last = rows.at(-1);
    const next = last ? JSON.stringify(p.key.map((k) => last[k])) : 'done';
    await inTransaction(pool, async (c) => {
      await insertRows(c, p, rows);
      await marks.set(c, table, next);
    });
    if (!last) break;
    cursor = next;
    copied += rows.length;
    progress(`${table}: ${copied} / ${total} rows`);
  }
  if (copied === 0) progress(`${table}: 0 rows`);
}

/** The groups, GROUPS_PER_CHUNK at a time, each chunk with its groups' rows of GROUP_TABLES. */
async function copyGroups(src: Database.Database, pool: Pool, marks: Progress, progress: (line: string) => void): Promise<void> {
  const groups = await plan(src, pool, 'errors');
  const children = await Promise.all(GROUP_TABLES.map((table) => plan(src, pool, table)));
  const total = (src.prepare('SELECT count(*) AS n FROM errors').get() as { n: number }).n;
  const mark = await marks.get('errors');
  if (mark === 'done') return;
  let cursor = Number(mark ?? 0);
  let copied = (src.prepare('SELECT count(*) AS n FROM errors WHERE id <= ?').get(cursor) as { n: number }).n;
  const groupsAfter = src.prepare(`SELECT ${groups.columns.map((c) => c.name).join(', ')} FROM errors WHERE id > ? ORDER BY id LIMIT ?`);
  const ofGroups = children.map((p) => ({ p, rows: src.prepare(`SELECT ${p.columns.map((c) => c.name).join(', ')} FROM ${p.table} WHERE error_id > ? AND error_id <= ?`) }));
  for (;;) {
    const rows = groupsAfter.all(cursor, GROUPS_PER_CHUNK) as Row[];
    const last = rows.length > 0 ? (rows.at(-1)!.id as number) : null;
    await inTransaction(pool, async (c) => {
      await insertRows(c, groups, rows);
      if (last !== null) for (const child of ofGroups) await insertRows(c, child.p, child.rows.all(cursor, last) as Row[]);
      await marks.set(c, 'errors', last === null ? 'done' : String(last));
    });
    if (last === null) break;
    cursor = last;
    copied += rows.length;
    progress(`groups: ${copied} / ${total}`);
  }
}

export async function copyToPostgres(sqlitePath: string, url: string, progress: (line: string) => void): Promise<{ groups: number }> {
  const src = new Database(sqlitePath, { readonly: true, fileMustExist: true });
  const pool: Pool = openPool(url, { max: 2, applicationName: 'error-tracker copy-to-postgres' });
  try {
    const version = src.pragma('user_version', { simple: true }) as number;
    const known = loadMigrations().length;
    if (version !== known) throw new Error(`the SQLite database is at schema version ${version}, this build at ${known}: start this release once on it (it migrates), then copy`);
    checkCoverage(src);
    await migratePg(pool);
    // The progress of an interrupted copy; without it the target must be empty.
    const { rows: started } = await pool.query<{ t: string | null }>("SELECT to_regclass('copy_progress')::text AS t");
    if (started[0]!.t === null) {
      const { rows } = await pool.query<{ n: number }>('SELECT (SELECT count(*) FROM errors) + (SELECT count(*) FROM projects) AS n');
      if (rows[0]!.n > 0) throw new Error('the PostgreSQL database is not empty (and holds no interrupted copy to resume)');
      await pool.query('CREATE TABLE copy_progress (what text PRIMARY KEY, last_key text NOT NULL)');
    }
    const progressOf = progressTable(pool);
    for (const t of TABLES) {
      if (t.table === 'errors') await copyGroups(src, pool, progressOf, progress);
      else await copyTable(src, pool, progressOf, t.table, t.chunk ?? 1000, progress);
    }

    // New rows get ids after the copied ones: every identity column's sequence moves past them.
    const { rows: identities } = await pool.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'",
    );
    for (const { table_name: table, column_name: column } of identities) {
      await pool.query(`SELECT setval(pg_get_serial_sequence($1, $2), (SELECT coalesce(max(${column}), 0) + 1 FROM ${table}), false)`, [table, column]);
    }
    // Every row arrived (or the copy says which table did not, and stays resumable).
    for (const table of [...TABLES.map((t) => t.table), ...GROUP_TABLES]) {
      const want = (src.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
      if (rows[0]!.n !== want) throw new Error(`${table}: PostgreSQL holds ${rows[0]!.n} rows, SQLite ${want}`);
    }
    await pool.query('DROP TABLE copy_progress');
    await pool.query('ANALYZE');
    return { groups: (src.prepare('SELECT count(*) AS n FROM errors').get() as { n: number }).n };
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
