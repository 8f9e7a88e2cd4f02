// Triage's users sketch as SQLite stores it (the rest of triage runs on both backends: test/store/contract/triage-api.test.ts).
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildTestApp, postError, report, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.close();
});

it('never stores a user id or email in the users sketch', async () => {
  await postError(t.app, report({ user_id: 'secret-user-42', user: { email: 'who@example.com' } }));
  // Sketches are written at most every 30 s, within a later commit.
  t.clock.now = new Date(t.clock.now.getTime() + 31_000);
  await postError(t.app, report({ exception_type: 'Other' }));
  const blob = t.db.prepare('SELECT sketch FROM error_users').pluck().get() as Buffer;
  expect(blob.length).toBeGreaterThan(0);
  expect(blob.toString('latin1')).not.toContain('secret-user-42');
  expect(blob.toString('latin1')).not.toContain('who@example.com');
});
