// Three real service processes on one PostgreSQL (issue 20's acceptance): exact groups and rings, one alert per new group, the live stream across instances; kill -9 and a server restart under load lose nothing acknowledged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChangeBatch } from '../../src/live/types.js';
import { migratePg } from '../../src/store/pg/migrate.js';
import { openPool } from '../../src/store/pg/pool.js';
import { startSmtp, type SmtpFixture } from '../alerts/fixtures.js';
import { waitFor } from '../chromium.js';
import { API_KEY, report } from '../helper.js';
import { openStream, type SseClient } from '../live/sse-client.js';
import { startServer, type Running } from '../spawn-server.js';
import { createDatabase, startPostgres, type PostgresServer } from './postgres-server.js';

/** Instances on a loaded machine open a pool and check the schema before they listen. */
const SLOW_START = { readyTimeoutMs: 60_000 };
const GROUPS = 200;
const PER_GROUP = 15;
const IN_FLIGHT = 30;

// A server of this file's own: the last test restarts it.
let server: PostgresServer;
let dir: string;
let url: string;
let smtp: SmtpFixture;
let stream: SseClient;
let a: Running, b: Running, c: Running;
const running: Running[] = [];

beforeAll(async () => {
  server = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), 'etrk-multi-'));
  url = await createDatabase(server.adminUrl);
  // Migrated first, so that three instances starting at once on a loaded machine listen within the wait (the migration race has its own test).
  const pool = openPool(url, { max: 1 });
  await migratePg(pool);
  await pool.end();
  smtp = await startSmtp({ mode: 'plain' });
  const env = {
    DATABASE_URL: url,
    API_KEY,
    RATE_LIMIT_PER_MINUTE: '0',
    QUOTA_EVENTS_PER_MINUTE: '0',
    QUOTA_EVENTS_PER_HOUR: '0',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    ALERT_EMAILS: 'ops@example.com',
    // Above the run's new groups (two hundred at once, then as many more under faults): none held into a summary.
    ALERT_MAX_PER_HOUR: '1000',
    ALERT_QUEUE_SIZE: '1000',
    LOG_LEVEL: 'warn',
  };
  [a, b, c] = await Promise.all([startServer(dir, env, SLOW_START), startServer(dir, env, SLOW_START), startServer(dir, env, SLOW_START)]);
  running.push(a, b, c);
  const token = ((await (await fetch(`${a.url}/api/stream-token`, { method: 'POST', headers: { 'x-api-key': API_KEY } })).json()) as { token: string }).token;
  stream = await openStream(`${a.url}/api/stream?token=${encodeURIComponent(token)}`);
  await waitFor(async () => (stream.events.length > 0 ? true : undefined));
}, 120_000);

afterAll(async () => {
  stream?.close();
  for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  await Promise.all(running.map((r) => r.exited));
  await smtp?.close();
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** The status of one report, 0 when the connection failed (not acknowledged either way). */
async function post(base: string, body: unknown): Promise<number> {
  try {
    const res = await fetch(`${base}/api/errors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

const acknowledged = (status: number) => status >= 200 && status < 300;

async function get<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { 'x-api-key': API_KEY } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

type ListItem = { id: number; exception_type: string; count: number };

/** Every group of `project` as `base` lists it, page by page. */
async function groupsOf(base: string, project: string): Promise<ListItem[]> {
  const all: ListItem[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await get<{ errors: ListItem[]; total: number }>(base, `/api/errors?project=${project}&limit=200&offset=${offset}`);
    all.push(...page.errors);
    if (all.length >= page.total || page.errors.length === 0) return all;
  }
}

/** Runs `jobs` with IN_FLIGHT requests at once; returns each job's status, in order. */
async function send(jobs: Array<{ base: () => string; body: unknown }>, onSent: (n: number) => void = () => {}): Promise<number[]> {
  const statuses: number[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < jobs.length) {
        const i = next++;
        onSent(i);
        statuses[i] = await post(jobs[i]!.base(), jobs[i]!.body);
      }
    }),
  );
  return statuses;
}

const changes = () => stream.data<ChangeBatch>('changes');

it('makes one group per fingerprint with the exact count and a ring of five, whichever of three instances took each report', { timeout: 180_000 }, async () => {
  // Each group's reports go round the three instances, its first three arriving on all of them at once.
  const jobs: Array<{ base: () => string; body: unknown }> = [];
  for (let i = 0; i < PER_GROUP; i++) {
    for (let g = 0; g < GROUPS; g++) {
      const ts = new Date(Date.UTC(2026, 2, 1, 12, 0, i)).toISOString();
      const base = [a, b, c][(g + i) % 3]!.url;
      jobs.push({ base: () => base, body: report({ project: 'multi', exception_type: `Multi${g}Error`, message: `n${i}`, timestamp: ts }) });
    }
  }
  const statuses = await send(jobs);
  expect(statuses.filter((s) => !acknowledged(s))).toEqual([]);

  for (const s of [a, b, c]) {
    const groups = await groupsOf(s.url, 'multi');
    expect(groups).toHaveLength(GROUPS);
    expect(new Set(groups.map((g) => g.exception_type)).size).toBe(GROUPS);
    expect(groups.filter((g) => g.count !== PER_GROUP)).toEqual([]);
  }
  // Every group's ring: the five newest by their own time, newest first, whichever instance reads it.
  const groups = await groupsOf(a.url, 'multi');
  const newest = Array.from({ length: 5 }, (_, k) => `n${PER_GROUP - 1 - k}`);
  for (const [k, g] of groups.entries()) {
    const detail = await get<{ occurrences: Array<{ message: string }> }>([a, b, c][k % 3]!.url, `/api/errors/${g.id}`);
    expect(detail.occurrences.map((o) => o.message), g.exception_type).toEqual(newest);
  }
});

it('shows a subscriber on instance A the groups created through the others', { timeout: 60_000 }, async () => {
  // The load's groups, created wherever their first report landed, all reached A's stream as new.
  // (An instance's message holds up to 200 groups, so none of these says `more`.)
  const created = () => new Set(changes().flatMap((batch) => batch.groups.filter((g) => g.new && g.project === 'multi').map((g) => g.id)));
  await waitFor(async () => (created().size >= GROUPS ? true : undefined), 15_000).catch(() => {});
  const listed = await groupsOf(a.url, 'multi');
  expect([...created()].sort((x, y) => x - y)).toEqual(listed.map((g) => g.id).sort((x, y) => x - y));
  expect(changes().filter((batch) => batch.more)).toEqual([]);
  // And one created through C alone, with the summary a list row needs.
  const res = await fetch(`${c.url}/api/errors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify(report({ project: 'multi', exception_type: 'OnlyThroughCError', message: 'made on C' })),
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: number };
  const seen = await waitFor(async () => changes().flatMap((batch) => batch.groups).find((g) => g.id === id), 15_000);
  expect(seen).toMatchObject({ id, project: 'multi', new: true, count: 1, exception_type: 'OnlyThroughCError', message: 'made on C' });
});

it('sends one alert per new group across the three instances, at a real SMTP server', { timeout: 120_000 }, async () => {
  const expected = GROUPS + 1; // the load's groups and the one made on C
  await smtp.waitFor(expected, 90_000);
  // A second alert for a group would come from the same decisions, already made: give stragglers a moment.
  await new Promise((r) => setTimeout(r, 2000));
  const subjects = smtp.mails.map((m) => m.subject);
  expect(subjects).toHaveLength(expected);
  expect(new Set(subjects).size).toBe(expected);
  // Each group's exception type in exactly one subject: every group alerted once, none twice.
  for (const type of [...Array.from({ length: GROUPS }, (_, g) => `Multi${g}Error`), 'OnlyThroughCError']) {
    expect(subjects.filter((s) => new RegExp(`\\b${type}\\b`).test(s ?? '')), type).toHaveLength(1);
  }
});

it('loses nothing acknowledged through kill -9 of an instance and a PostgreSQL restart under load, and the stream hears the others again', { timeout: 240_000 }, async () => {
  const TOTAL = 3000;
  const jobs = Array.from({ length: TOTAL }, (_, i) => {
    const target = [a, b, c][i % 3]!;
    // Reports meant for C go to A once C is gone: a client's retry behind the load balancer.
    return { base: () => (target === c && c.child.exitCode !== null ? a.url : target.url), body: report({ project: 'faults', exception_type: `Load${i % GROUPS}Error` }) };
  });
  let sent = 0;
  let phase = 0;
  const load = send(jobs, (n) => (sent = Math.max(sent, n + 1)));
  const faults = (async () => {
    await waitFor(async () => (sent >= TOTAL / 3 ? true : undefined), 120_000);
    c.child.kill('SIGKILL');
    await c.exited;
    phase = 1;
    await waitFor(async () => (sent >= (2 * TOTAL) / 3 ? true : undefined), 120_000);
    await server.stop();
    await new Promise((r) => setTimeout(r, 500));
    await server.start();
    phase = 2;
  })();
  const [statuses] = await Promise.all([load, faults]);
  expect(phase).toBe(2);
  const acked = new Map<string, number>();
  statuses.forEach((s, i) => {
    if (!acknowledged(s)) return;
    const type = `Load${i % GROUPS}Error`;
    acked.set(type, (acked.get(type) ?? 0) + 1);
  });
  expect([...acked.values()].reduce((x, y) => x + y, 0)).toBeGreaterThan(TOTAL / 3);

  // The survivors never crashed: the same processes take reports after the restart.
  await waitFor(async () => (acknowledged(await post(a.url, report({ project: 'probe' }))) ? true : undefined), 60_000);
  await waitFor(async () => (acknowledged(await post(b.url, report({ project: 'probe' }))) ? true : undefined), 60_000);
  expect(a.child.exitCode).toBeNull();
  expect(b.child.exitCode).toBeNull();
  for (const s of [a, b]) {
    const stored = new Map((await groupsOf(s.url, 'faults')).map((g) => [g.exception_type, g.count]));
    const missing = [...acked].filter(([type, n]) => (stored.get(type) ?? 0) < n);
    expect(missing).toEqual([]);
  }

  // A's LISTEN connection came back by itself: it told its stream to re-read, and hears B again. A
  // batch B sent while its own pool was still finding dead connections is lost by design (its next
  // batch says `more`), so B reports once a second until A's stream shows one of them.
  expect(stream.isOpen()).toBe(true);
  const before = changes().length;
  const madeOnB = new Set<number>();
  await waitFor(async () => {
    const res = await fetch(`${b.url}/api/errors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify(report({ project: 'multi', exception_type: `AfterRestart${madeOnB.size}Error` })),
    });
    if (res.ok) madeOnB.add(((await res.json()) as { id: number }).id);
    await new Promise((r) => setTimeout(r, 1000));
    return changes().slice(before).some((batch) => batch.groups.some((g) => madeOnB.has(g.id))) ? true : undefined;
  }, 60_000);
  expect(changes().some((batch) => batch.more && batch.groups.length === 0)).toBe(true);
});

it('ends its LISTEN connection when stopped (SIGTERM)', { timeout: 60_000 }, async () => {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const listening = async () => Number((await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'error-tracker-live' AND datname = current_database()`)).rows[0].n);
    // A and B, back after the restart (C was killed).
    await waitFor(async () => ((await listening()) === 2 ? true : undefined), 30_000);
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    await waitFor(async () => ((await listening()) === 1 ? true : undefined), 15_000);
  } finally {
    await admin.end();
  }
});
