// Tag counts across commits: a repeated value takes the UPDATE fast path, and a row removed meanwhile is counted afresh.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase, type Db } from '../../src/store/sqlite/open-database.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { preparedReport } from '../helper.js';

let db: Db;
let store: Store;
beforeEach(() => {
  db = openDatabase(':memory:');
  migrate(db);
  store = createSqliteStore(db, { now: () => new Date('2026-03-01T00:00:00.000Z') });
});
afterEach(() => store.close());

const report = (release: string) => preparedReport({ release, environment: 'production', timestamp: '2026-03-01T00:00:00.000Z' });
const countsOf = async (id: number, key: string) =>
  Object.fromEntries((await store.getError(id))!.tags.find((t) => t.key === key)!.values.map((v) => [v.value, v.count]));

it('counts a value exactly over many commits, and afresh when its row was removed in between', async () => {
  // One report per commit: every repeat after the first goes through the known-value path.
  let id = 0;
  for (let i = 0; i < 6; i++) id = (await store.ingest(report(i < 4 ? 'v1' : 'v2'))).id;
  expect(await countsOf(id, 'release')).toEqual({ v1: 4, v2: 2 });
  expect(await countsOf(id, 'environment')).toEqual({ production: 6 });

  // Rows gone under the store's memory of them (as retention or a repair would leave it).
  db.prepare('DELETE FROM error_tags WHERE error_id = ?').run(id);
  await store.ingest(report('v1'));
  await store.ingest(report('v1'));
  expect(await countsOf(id, 'release')).toEqual({ v1: 2 });
  expect(await countsOf(id, 'environment')).toEqual({ production: 2 });
});
