// Opens the PostgreSQL pool the store runs on: bounded, every session with synchronous_commit on, bigints as numbers.
import pg from 'pg';

export type Pool = pg.Pool;
export type Client = pg.PoolClient;

/** True for a DATABASE_URL that selects the PostgreSQL store. */
export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url);
}

export interface PoolOptions {
  /** Connections at most (DATABASE_POOL_SIZE). */
  max?: number;
  applicationName?: string;
}

// int8 (counts, ids) as numbers: none of them comes near 2^53.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/**
 * sslmode in the URL sets TLS as libpq does (disable, require, verify-ca, verify-full; the driver
 * reads it from the URL). A connection attempt gives up after a few seconds, so a write while the
 * server is down fails (503) instead of hanging the request.
 */
export function openPool(url: string, { max = 10, applicationName = 'error-tracker' }: PoolOptions = {}): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: applicationName,
    // Acknowledged means committed and flushed: whatever the server's default says. No JIT: every
    // query here is short, and compiling one (above jit_above_cost, as a list's count estimated over
    // 12,500 search matches was) cost 130 ms, ten times the query.
    options: '-c synchronous_commit=on -c jit=off',
    types,
  });
  // A connection the server drops (a restart) must not crash the process: idle, the pool removes it
  // ('error' on the pool); checked out between two queries, the client itself emits 'error', and its
  // next query fails, which the store answers with 503.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Runs fn in one transaction on one connection; rolls back and rethrows on failure. */
export async function inTransaction<T>(pool: Pool, fn: (c: Client) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true; // the connection itself failed: not given back to the pool
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

/** Deadlocks and serialization failures: the transaction is retried whole. */
export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '40P01' || code === '40001';
}

/**
 * The server cannot be reached or cannot take writes now (down, restarting, out of connections,
 * read-only standby): the store reports it as STORAGE_UNAVAILABLE, which the HTTP layer answers
 * with a retryable 503.
 */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (/^(08|53|57P0)/.test(code) || code === '25006' || code === 'STORAGE_UNAVAILABLE') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(message);
}

/** The error a write answers while the server is unreachable (the HTTP layer's 503). */
export function unavailable(err: unknown): Error {
  if (!isUnavailable(err)) return err as Error;
  return Object.assign(new Error(`PostgreSQL is unavailable: ${(err as Error).message}`), { code: 'STORAGE_UNAVAILABLE', cause: err });
}
