// copy-to-postgres: a SQLite database copied into an empty PostgreSQL one reads the same through the store, and an interrupted copy resumes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { openPgStores } from '../../src/store/pg/index.js';
import { createSqliteAlertStateStore } from '../../src/store/sqlite/alert-state.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase } from '../../src/store/sqlite/open-database.js';
import { createSqliteTokenStore } from '../../src/store/sqlite/tokens.js';
import type { Store } from '../../src/store/types.js';
import { copyToPostgres } from '../../src/tools/copy-to-postgres.js';
import { preparedReport } from '../helper.js';
import { createDatabase } from './postgres-server.js';

const GROUPS = 1_100; // three chunks
let dir: string;
let file: string;
let sqlite: Store;
let token: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'etrk-copy-'));
  file = join(dir, 'errors.db');
  const db = openDatabase(file);
  migrate(db);
  sqlite = createSqliteStore(db, { now: () => new Date('2026-03-01T12:00:00.000Z') });
  await sqlite.createProject('shop');
  // Details large enough to be stored deflated in SQLite.
  const crumbs = Array.from({ length: 80 }, (_, i) => ({ message: `step ${i} of the checkout` }));
  await Promise.all(
    Array.from({ length: GROUPS }, (_, g) =>
      Array.from({ length: g % 7 === 0 ? 7 : 1 }, (_, i) =>
        sqlite.ingest(
          preparedReport({
            fingerprint: g.toString(16).padStart(32, '0'),
            project: g % 2 ? 'shop' : 'blog',
            message: `group ${g} #${i}`,
            timestamp: new Date(Date.UTC(2026, 1, 1, g % 24, i)).toISOString(),
            release: `v${i}`,
            details: (g === 0 ? { breadcrumbs: crumbs, tags: { region: 'eu' } } : { tags: { region: 'eu' } }) as never,
          }),
        ),
      ),
    ).flat(),
  );
  await sqlite.setResolved(3, true);
  token = (await createSqliteTokenStore(db).createToken({ kind: 'agent', name: 'bot', projects: null, scopes: ['read'] })).token;
  await createSqliteAlertStateStore(db).saveAlertState({ cooldowns: { abc: '2026-03-01T11:00:00.000Z' }, sentAt: ['2026-03-01T11:00:00.000Z'], held: null });
}, 120_000);

afterAll(() => {
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

it('copies every group, occurrence, count, tag, project, token and the alert state; resumes after an interruption', { timeout: 120_000 }, async () => {
  const url = await createDatabase(inject('pgAdminUrl'));
  const lines: string[] = [];
  // Interrupted after its first chunk of groups, as a killed copy would be.
  await expect(
    copyToPostgres(file, url, (line) => {
      lines.push(line);
      if (line.startsWith('groups:')) throw new Error('interrupted');
    }),
  ).rejects.toThrow('interrupted');
  const resumed: string[] = [];
  expect(await copyToPostgres(file, url, (line) => resumed.push(line))).toEqual({ groups: GROUPS });
  expect(lines.at(-1)).toMatch(/^groups: 500 \/ 1100$/);
  expect(resumed).toContain('groups: 1100 / 1100');

  const pg = openPgStores(url, { max: 2 });
  try {
    const [a, b] = [await sqlite.listErrors({ limit: 2000, offset: 0 }), await pg.store.listErrors({ limit: 2000, offset: 0 })];
    expect(b).toEqual(a);
    for (const id of [1, 3, 8, 1100]) expect(await pg.store.getError(id)).toEqual(await sqlite.getError(id));
    expect(await pg.store.listProjectSummaries()).toEqual(await sqlite.listProjectSummaries());
    expect((await pg.store.listErrors({ resolved: true, limit: 10, offset: 0 })).total).toBe(1);
    expect((await pg.tokenStore.findToken(token))?.name).toBe('bot');
    expect((await pg.alertState.loadAlertState()).cooldowns).toEqual({ abc: '2026-03-01T11:00:00.000Z' });
    // New rows are numbered after the copied ones.
    const next = await pg.store.ingest(preparedReport({ fingerprint: 'e'.repeat(32) }));
    expect(next).toMatchObject({ id: GROUPS + 1, created: true });
  } finally {
    await pg.store.end();
  }
  // A database with data that is no interrupted copy is refused.
  await expect(copyToPostgres(file, url, () => {})).rejects.toThrow(/not empty/);
});
