// ALERT_WEBHOOKS and friends in the config schema (errors never echo a URL), and the project alert store that the outbox reads.
import { describe, expect, it } from 'vitest';
import { globalChannels } from '../../../src/alerts/channels/index.js';
import { DEFAULT_RULE_SETTINGS } from '../../../src/alerts/channels/types.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { migrate } from '../../../src/store/sqlite/migrate.js';
import { openDatabase } from '../../../src/store/sqlite/open-database.js';
import { createSqliteProjectAlertStore } from '../../../src/store/sqlite/project-alerts.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('ALERT_WEBHOOKS', () => {
  it('reads comma-separated kind=url pairs into global channels with stable ids, Gotify joining them', () => {
    const config = loadConfig({
      ALERT_WEBHOOKS: ' slack=https://hooks.slack.com/services/T/B/X , ntfy=https://ntfy.sh/topic,slack=https://hooks.slack.com/services/T/B/Y,webhook=https://ops.example.com/hook',
      ALERT_WEBHOOK_SECRET: 'a-secret-of-16-chars-or-more',
      NOTIFY_URL: 'https://gotify.example.com',
      NOTIFY_TOKEN: 'AbCdEf',
    });
    expect(config.alertWebhooks).toMatchObject({ secret: 'a-secret-of-16-chars-or-more', privateAddresses: 'allow', timeoutMs: 10_000 });
    expect(globalChannels(config)).toEqual([
      { id: 'global:slack:0', kind: 'slack', url: 'https://hooks.slack.com/services/T/B/X', project: null },
      { id: 'global:ntfy:0', kind: 'ntfy', url: 'https://ntfy.sh/topic', project: null },
      { id: 'global:slack:1', kind: 'slack', url: 'https://hooks.slack.com/services/T/B/Y', project: null },
      { id: 'global:webhook:0', kind: 'webhook', url: 'https://ops.example.com/hook', project: null },
      { id: 'global:gotify:0', kind: 'gotify', url: 'https://gotify.example.com', token: 'AbCdEf', project: null },
    ]);
  });

  it('is empty by default, and the private-address option defaults to allow', () => {
    const config = loadConfig({});
    expect(config.alertWebhooks.channels).toEqual([]);
    expect(config.alertWebhooks.privateAddresses).toBe('allow');
    expect(globalChannels(config)).toEqual([]);
  });

  it('reports every bad entry at once, without echoing a URL (its path is the secret)', () => {
    const found = problems({ ALERT_WEBHOOKS: 'irc=https://x.example/SECRET1,slack=ftp://x.example/SECRET2,nonsense', ALERT_WEBHOOK_PRIVATE_ADDRESSES: 'maybe', ALERT_WEBHOOK_SECRET: 'short' });
    expect(found.filter((p) => p.startsWith('ALERT_WEBHOOKS:'))).toHaveLength(3);
    expect(found.some((p) => p.startsWith('ALERT_WEBHOOK_PRIVATE_ADDRESSES:'))).toBe(true);
    expect(found.some((p) => p.startsWith('ALERT_WEBHOOK_SECRET:'))).toBe(true);
    expect(found.join('\n')).not.toMatch(/SECRET1|SECRET2/);
  });

  it('requires ALERT_WEBHOOK_SECRET for a webhook= entry (its body is always signed)', () => {
    expect(problems({ ALERT_WEBHOOKS: 'webhook=https://ops.example.com/hook' })).toEqual([expect.stringMatching(/^ALERT_WEBHOOK_SECRET: is required/)]);
  });
});

describe('the project alert store', () => {
  function store() {
    const db = openDatabase(':memory:');
    migrate(db);
    return createSqliteProjectAlertStore(db);
  }

  it('gives defaults for a project that set nothing, and lists only projects that set something', async () => {
    const s = store();
    expect(await s.getProjectAlertSettings('shop')).toEqual({ project: 'shop', channels: [], rules: DEFAULT_RULE_SETTINGS });
    expect(await s.listProjectAlertSettings()).toEqual([]);
    await s.putProjectAlertSettings('shop', { channels: [{ kind: 'ntfy', url: 'https://ntfy.example/t', token: 'tk_1' }] });
    await s.putProjectAlertSettings('api', { rules: { ...DEFAULT_RULE_SETTINGS, spike: { events: 50, minutes: 10, timesUsual: null }, impact: { users: 20 } } });
    const all = await s.listProjectAlertSettings();
    expect(all.map((x) => x.project).sort()).toEqual(['api', 'shop']);
    expect(all.find((x) => x.project === 'shop')!.channels).toEqual([{ id: expect.stringMatching(/^project:shop:\d+$/), kind: 'ntfy', url: 'https://ntfy.example/t', token: 'tk_1', project: 'shop' }]);
    expect(all.find((x) => x.project === 'api')!.rules).toEqual({ newGroup: true, regression: true, spike: { events: 50, minutes: 10, timesUsual: null }, impact: { users: 20 }, cooldownMinutes: null });
  });

  it('refuses another project\'s channel id, and a kind change drops the old kind\'s token', async () => {
    const s = store();
    const shop = await s.putProjectAlertSettings('shop', { channels: [{ kind: 'ntfy', url: 'https://ntfy.example/t', token: 'tk_1' }] });
    const id = shop.channels[0]!.id;
    await expect(s.putProjectAlertSettings('api', { channels: [{ id, kind: 'ntfy' }] })).rejects.toThrow(/not a channel of this project/);
    const changed = await s.putProjectAlertSettings('shop', { channels: [{ id, kind: 'slack', url: 'https://hooks.slack.com/services/A/B/C' }] });
    expect(changed.channels[0]).toEqual({ id, kind: 'slack', url: 'https://hooks.slack.com/services/A/B/C', project: 'shop' });
  });
});
