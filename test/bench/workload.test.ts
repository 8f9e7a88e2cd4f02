// The benchmark's bulk seed writes exactly what the store writes for the same reports, so reads are measured on a real database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase, type Db } from '../../src/store/sqlite/open-database.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { bulkWrite, isSeededResolved, seedReports } from './workload.mjs';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-seed-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Everything the service reads, minus what differs by design (random ingest keys, creation times). */
function contents(db: Db) {
  return {
    projects: db.prepare('SELECT id, name FROM projects ORDER BY id').all(),
    errors: db.prepare('SELECT * FROM errors ORDER BY id').all().map((r) => ({ ...(r as object), resolved_at: (r as { resolved_at: string | null }).resolved_at !== null })),
    tracebacks: db.prepare('SELECT * FROM error_tracebacks ORDER BY error_id').all(),
    occurrences: db.prepare('SELECT * FROM error_occurrences ORDER BY error_id, slot').all(),
    hourly: db.prepare('SELECT * FROM error_hourly_counts ORDER BY error_id, hour').all(),
    groupCounts: db.prepare('SELECT * FROM error_group_counts WHERE groups > 0 ORDER BY project, resolved, source').all(),
    search: db.prepare("SELECT rowid FROM errors_fts WHERE errors_fts MATCH '\"overflow\"' ORDER BY rowid").all(),
  };
}

describe('benchmark seed', () => {
  it('equals the store’s own result: group rows, tracebacks, the ring of five, hourly counts and the search index', async () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    const groups = 150;
    const reports = [...seedReports(groups, 2_000, now)];

    const viaStore = openDatabase(join(dir, 'store.db'));
    migrate(viaStore);
    const store = createSqliteStore(viaStore);
    await Promise.all(reports.map((r) => store.ingest(r)));
    for (let id = 1; id <= groups; id++) if (isSeededResolved(id)) await store.setResolved(id, true);

    const bulk = openDatabase(join(dir, 'bulk.db'));
    migrate(bulk);
    expect(bulkWrite(bulk, reports, new Date(now).toISOString())).toEqual({ groups, projects: 20 });

    const expected = contents(viaStore);
    expect(expected.occurrences.length).toBeGreaterThan(groups * 3);
    expect(expected.occurrences.length).toBeLessThanOrEqual(groups * 5);
    expect(expected.search.length).toBeGreaterThan(0);
    expect(expected.tracebacks).toHaveLength(groups);
    expect(contents(bulk)).toEqual(expected);
    store.close();
    bulk.close();
  });
});
