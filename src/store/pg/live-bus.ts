// The live feed across instances: NOTIFY of each coalesced batch through the pool; one dedicated LISTEN connection per instance, reconnected by itself.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../../logger.js';
import { decodeBatch, encodeBatch } from '../../live/bus-payload.js';
import type { ChangeBatch, LiveBus } from '../../live/types.js';
import type { Pool } from './pool.js';

/** NOTIFY channels are per database: instances of one deployment share it, other databases on the server do not hear it. */
export const LIVE_CHANNEL = 'error_tracker_live';
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;
/** Batches waiting for the database (four a second): past this the oldest are dropped and the next one says `more`. */
const MAX_QUEUED = 16;

const NOTIFY = { name: 'live_notify', text: 'SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p' };

export interface PgLiveBus extends LiveBus {
  /** Resolves once the LISTEN connection is up (now, or after the reconnect under way). */
  listening(): Promise<void>;
}

export interface PgLiveBusOptions {
  /** The DATABASE_URL: the LISTEN connection is its own, not the pool's (a pooled one would go back with the LISTEN on it). */
  url: string;
  pool: Pool;
  logger: Logger;
  channel?: string;
}

export function createPgLiveBus({ url, pool, logger, channel = LIVE_CHANNEL }: PgLiveBusOptions): PgLiveBus {
  const origin = randomBytes(8).toString('hex');
  const log = logger.child({ component: 'live-bus' });
  const subscribers = new Set<(batch: ChangeBatch) => void>();
  const deliver = (batch: ChangeBatch) => {
    for (const s of subscribers) s(batch);
  };
  let closed = false;

  // --- publish: NOTIFY, one batch at a time so that they arrive in order -----------------------
  const queue: ChangeBatch[] = [];
  let sending = false;
  /** A batch did not reach the others (database down, queue full): the next one tells clients to re-read. */
  let missed = false;
  /** The last NOTIFY failed (logged once an outage, not once a batch). */
  let failing = false;
  const pump = async () => {
    if (sending) return;
    sending = true;
    while (queue.length > 0 && !closed) {
      const batch = queue.shift()!;
      const sent = missed ? { ...batch, more: true } : batch;
      // Cleared before the send: a batch dropped from a full queue meanwhile sets it again.
      missed = false;
      try {
        await pool.query({ ...NOTIFY, values: [channel, encodeBatch(origin, sent)] });
        if (failing) log.info('live changes reach the other instances again');
        failing = false;
      } catch (err) {
        if (!failing && !closed) log.warn({ reason: (err as Error).message }, 'live changes cannot reach the other instances; they will be told to re-read');
        failing = true;
        missed = true;
      }
    }
    sending = false;
  };

  // --- subscribe: one LISTEN connection, reconnected with backoff ------------------------------
  let client: pg.Client | undefined;
  let retryMs = RECONNECT_MIN_MS;
  let timer: NodeJS.Timeout | undefined;
  let everListened = false;
  const waiters: Array<() => void> = [];

  const scheduleReconnect = () => {
    if (closed || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, retryMs);
    timer.unref();
    retryMs = Math.min(RECONNECT_MAX_MS, retryMs * 2);
  };

  const connect = async () => {
    const c = new pg.Client({ connectionString: url, application_name: 'error-tracker-live', keepAlive: true, keepAliveInitialDelayMillis: 10_000, connectionTimeoutMillis: 5_000 });
    // A restart of the server ends the connection: 'error', then 'end'; only 'end' acts.
    c.on('error', () => {});
    c.on('notification', (n) => {
      if (n.channel !== channel || n.payload === undefined) return;
      const message = decodeBatch(n.payload);
      // Its own batches this instance delivered when it published them.
      if (message !== undefined && message.origin !== origin) deliver(message.batch);
    });
    c.on('end', () => {
      if (client !== c) return;
      client = undefined;
      if (closed) return;
      log.warn('live stream: the LISTEN connection to PostgreSQL was lost; reconnecting');
      scheduleReconnect();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch {
      await c.end().catch(() => {});
      return scheduleReconnect();
    }
    if (closed) return void (await c.end().catch(() => {}));
    client = c;
    retryMs = RECONNECT_MIN_MS;
    // Notifications sent while no connection listened are lost: clients re-read what they show.
    if (everListened) {
      log.info('live stream: listening again; clients re-read');
      deliver({ groups: [], more: true, at: new Date().toISOString() });
    }
    everListened = true;
    for (const w of waiters.splice(0)) w();
  };
  void connect();

  return {
    publish(batch) {
      if (closed) return;
      // This instance's streams at once; the others through the database.
      deliver(batch);
      if (queue.length >= MAX_QUEUED) {
        queue.shift();
        missed = true;
      }
      queue.push(batch);
      void pump();
    },
    subscribe(onBatch) {
      subscribers.add(onBatch);
      return () => subscribers.delete(onBatch);
    },
    listening() {
      if (client !== undefined || closed) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      subscribers.clear();
      for (const w of waiters.splice(0)) w();
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
