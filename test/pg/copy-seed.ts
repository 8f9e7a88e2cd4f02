// A SQLite database with rows in every table, made through the SQLite stores as the service makes them: what copy-to-postgres is tested on.
import { createRuleTrigger } from '../../src/alerts/rules.js';
import type { AlertRuleSettings } from '../../src/alerts/rule-settings.js';
import { createSqliteAlertStateStore } from '../../src/store/sqlite/alert-state.js';
import { createSqliteArtifactStore } from '../../src/store/sqlite/artifacts.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase, type Db } from '../../src/store/sqlite/open-database.js';
import { createSqliteOutboxStore } from '../../src/store/sqlite/outbox.js';
import { createSqliteProjectAlertStore } from '../../src/store/sqlite/project-alerts.js';
import { createSqliteQuotaStore } from '../../src/store/sqlite/quotas.js';
import { createSqliteReleaseStore } from '../../src/store/sqlite/releases.js';
import { createSqliteTokenStore } from '../../src/store/sqlite/tokens.js';
import type { Store } from '../../src/store/types.js';
import { preparedReport } from '../helper.js';

const RULES: AlertRuleSettings = { newGroup: true, regression: true, spike: { events: 5, minutes: 5, timesUsual: null }, impact: null, cooldownMinutes: null };
export const SEED_NOW = '2026-03-01T12:00:00.000Z';
export const DEBUG_ID = '00000000-0000-4000-8000-00000000c0de';

export interface Seeded {
  db: Db;
  store: Store;
  /** The upload and agent tokens' secrets. */
  tokens: string[];
}

/** `groups` groups over two projects, every seventh with seven reports (and a spike alert), the first with large details. */
export async function seedSqlite(file: string, groups: number): Promise<Seeded> {
  const db = openDatabase(file);
  migrate(db);
  const now = () => new Date(SEED_NOW);
  const trigger = createRuleTrigger({ rules: { rulesFor: () => RULES }, cooldownMs: 600_000, now });
  const store = createSqliteStore(db, { now, alertTrigger: trigger });
  for (const p of ['shop', 'blog']) await store.createProject(p);
  const releases = createSqliteReleaseStore(db, { now });
  await releases.recordRelease({ project: 'shop', version: 'v1', createdBy: 'api' });
  await releases.addDeploy({ project: 'shop', version: 'v1', environment: 'production', name: 'first', url: null, startedAt: null, finishedAt: SEED_NOW });

  // Details large enough to be stored deflated in SQLite.
  const crumbs = Array.from({ length: 80 }, (_, i) => ({ message: `step ${i} of the checkout` }));
  await Promise.all(
    Array.from({ length: groups }, (_, g) =>
      Array.from({ length: g % 7 === 0 ? 7 : 1 }, (_, i) =>
        store.ingest(
          preparedReport({
            fingerprint: g.toString(16).padStart(32, '0'),
            project: g % 2 ? 'shop' : 'blog',
            message: `group ${g} #${i}`,
            timestamp: new Date(Date.UTC(2026, 1, 1, g % 24, i)).toISOString(),
            release: `v${i}`,
            userId: `user-${(g + i) % 13}`,
            details: (g === 0 ? { breadcrumbs: crumbs, tags: { region: 'eu' } } : { tags: { region: 'eu' } }) as never,
          }),
        ),
      ),
    ).flat(),
  );
  await store.ingestEvent(preparedReport({ project: 'shop', fingerprint: 'f'.repeat(32) }), 'a'.repeat(32));
  await store.setResolved(3, true);
  await store.triage([5], { action: 'ignore', untilCount: 100 });
  await store.triage([8], { action: 'resolve', inRelease: 'v1' });

  const tokenStore = createSqliteTokenStore(db, { now });
  const tokens = [
    (await tokenStore.createToken({ kind: 'agent', name: 'bot', projects: null, scopes: ['read'] })).token,
    (await tokenStore.createToken({ kind: 'upload', name: 'ci', projects: ['shop'], scopes: [] })).token,
  ];
  const quotas = createSqliteQuotaStore(db);
  await quotas.setQuotaOverride('shop', { perMinute: 100, perHour: null });
  await quotas.recordDropped('shop', '2026-03-01T11:00:00Z');
  await createSqliteProjectAlertStore(db, { now }).putProjectAlertSettings('shop', {
    channels: [{ kind: 'webhook', url: 'https://hooks.example.com/alerts', token: 'hook-secret' }],
    rules: { ...RULES, impact: { users: 5 } },
  });

  // Alerts the rules raised above, decided and delivered once to a channel (alert_deliveries, alert_channel_results).
  const outbox = createSqliteOutboxStore(db);
  const pending = await outbox.pendingAlerts(3);
  await outbox.decide({
    limit: 3,
    decide: ({ rows }) => ({ decisions: rows.map((p) => ({ id: p.id, state: 'sending', held: null })), digests: [], throttle: { cooldowns: {}, sentAt: [SEED_NOW], held: null } }),
    channelsFor: () => ['email'],
    at: SEED_NOW,
    giveUpAt: '2026-03-02T12:00:00.000Z',
  });
  await outbox.finishAttempt(pending[0]!.id, 'email', { ok: true, status: 250, retryable: false }, null, SEED_NOW);
  await outbox.recordDelivery('email', { ok: true, status: 250, retryable: false }, SEED_NOW);

  // The throttle's state after the decisions above.
  await createSqliteAlertStateStore(db).saveAlertState({
    cooldowns: { abc: '2026-03-01T11:00:00.000Z' },
    sentAt: ['2026-03-01T11:00:00.000Z'],
    held: { newCount: 1, regressionCount: 0, spikeCount: 0, impactCount: 0, since: SEED_NOW, dueAt: SEED_NOW, samples: [{ kind: 'new', groupId: 2, project: 'blog', exceptionType: 'E', message: 'held', at: SEED_NOW }] },
  });

  const artifacts = createSqliteArtifactStore(db, { now });
  await artifacts.putChunks([{ checksum: 'c'.repeat(40), data: Buffer.from([0, 1, 2, 3, 255]) }]);
  const map = JSON.stringify({ version: 3, sources: ['src/app.js'], names: [], mappings: 'AAAA' });
  for (const [i, project] of ['shop', 'blog'].entries()) {
    await artifacts.saveBundle({
      projects: [project],
      checksum: String(i).repeat(40),
      bundleId: DEBUG_ID,
      release: 'v1',
      dist: null,
      files: 2,
      maps: [{ debugId: DEBUG_ID, url: '~/assets/app.min.js', urlPath: '/assets/app.min.js', map }],
      chunks: [],
    });
  }
  // Closing writes the groups' user sketches (kept in memory for a while otherwise); reopened for reading.
  store.close();
  const reopened = openDatabase(file);
  return { db: reopened, store: createSqliteStore(reopened, { now }), tokens };
}
