// Two real service processes on one PostgreSQL database: concurrent first reports make one group each, counts exact, rings of five, one alert per new group.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startSmtp, type SmtpFixture } from '../alerts/fixtures.js';
import { API_KEY, report } from '../helper.js';
import { startServer, type Running } from '../spawn-server.js';
import { createDatabase } from './postgres-server.js';

/** Instances on a loaded machine open a pool and check the schema before they listen. */
const SLOW_START = { readyTimeoutMs: 60_000 };
const GROUPS = 30;
const PER_GROUP = 20;
const IN_FLIGHT = 24;

let dir: string;
let url: string;
let smtp: SmtpFixture;
const servers: Running[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'etrk-multi-'));
  // Migrated (the template): on a loaded machine two instances migrating an empty database may not
  // listen within startServer's wait; the migration race has its own test (migrate.test.ts).
  url = await createDatabase(inject('pgAdminUrl'), { migrated: true });
  smtp = await startSmtp({ mode: 'plain' });
  const env = {
    DATABASE_URL: url,
    API_KEY,
    RATE_LIMIT_PER_MINUTE: '0',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    ALERT_EMAILS: 'ops@example.com',
    ALERT_MAX_PER_HOUR: '1000',
    LOG_LEVEL: 'warn',
  };
  servers.push(...(await Promise.all([startServer(dir, env, SLOW_START), startServer(dir, env, SLOW_START)])));
}, 90_000);

afterAll(async () => {
  for (const s of servers) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
  await smtp?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(base: string, body: unknown): Promise<number> {
  const res = await fetch(`${base}/api/errors`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

async function get<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { 'x-api-key': API_KEY } });
  return (await res.json()) as T;
}

it('makes one group per fingerprint with the exact count and a ring of five, whichever instance took each report', { timeout: 120_000 }, async () => {
  // Every group's reports alternate between the instances, its first two arriving on both at once.
  const jobs: Array<{ base: string; body: unknown }> = [];
  for (let i = 0; i < PER_GROUP; i++) {
    for (let g = 0; g < GROUPS; g++) {
      const ts = new Date(Date.UTC(2026, 2, 1, 12, 0, i)).toISOString();
      jobs.push({ base: servers[(g + i) % 2]!.url, body: report({ project: 'multi', exception_type: `Multi${g}Error`, message: `n${i}`, timestamp: ts }) });
    }
  }
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        statuses.push(await post(job.base, job.body));
      }
    }),
  );
  expect(statuses.filter((s) => s !== 201 && s !== 200)).toEqual([]);

  for (const s of servers) {
    const list = await get<{ errors: Array<{ id: number; count: number }>; total: number }>(s.url, '/api/errors?project=multi&limit=100');
    expect(list.total).toBe(GROUPS);
    expect(list.errors.map((e) => e.count)).toEqual(Array(GROUPS).fill(PER_GROUP));
  }
  const one = (await get<{ errors: Array<{ id: number }> }>(servers[0]!.url, '/api/errors?project=multi&limit=1')).errors[0]!;
  const detail = await get<{ occurrences: Array<{ message: string }> }>(servers[1]!.url, `/api/errors/${one.id}`);
  expect(detail.occurrences.map((o) => o.message)).toEqual(['n19', 'n18', 'n17', 'n16', 'n15']);

  // One alert per new group across the cluster, at the real SMTP server.
  await smtp.waitFor(GROUPS, 30_000);
  // A second alert for a group would come from the same decisions, already made: give stragglers a moment.
  await new Promise((r) => setTimeout(r, 1000));
  const subjects = smtp.mails.map((m) => m.subject);
  expect(subjects).toHaveLength(GROUPS);
  expect(new Set(subjects).size).toBe(GROUPS);
  // Each group's exception type in exactly one subject: every group alerted once, none twice.
  for (let g = 0; g < GROUPS; g++) expect(subjects.filter((s) => new RegExp(`\\bMulti${g}Error\\b`).test(s ?? '')), `Multi${g}Error`).toHaveLength(1);
});
