// The environment schema: defaults, every bad variable reported at once, and the accepted forms.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('starts on its defaults with an empty environment', () => {
    expect(loadConfig({})).toEqual({
      apiKey: undefined,
      databasePath: './data/errors.db',
      databaseUrl: undefined,
      databasePoolSize: 10,
      logLevel: 'info',
      retentionDays: 90,
      retentionIntervalHours: 24,
      minFreeDiskMb: 64,
      selfReport: false,
      smtp: { host: undefined, port: 25, username: undefined, password: undefined, from: 'errors@example.com', timeoutSeconds: 10, tlsRejectUnauthorized: true },
      alertEmails: [],
      alerts: { cooldownSeconds: 600, maxPerHour: 30, queueSize: 100, retryMinutes: 60, spike: { events: 0, minutes: 5, timesUsual: 0 }, impactUsers: 0 },
      notify: { url: undefined, token: undefined },
      alertWebhooks: { channels: [], secret: undefined, privateAddresses: 'allow', timeoutMs: 10_000 },
      port: 5010,
      host: '0.0.0.0',
      rateLimitPerMinute: 100,
      operatorRateLimitPerMinute: 1200,
      maxBodyBytes: 262144,
      trustProxy: false,
      scrubFields: [],
      publicUrl: undefined,
      corsOrigins: '*',
      maxDecompressedBytes: 20971520,
      maxBodyBytesInFlight: 64 * 1024 * 1024,
      connections: { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 72_000, maxPerAddress: 1024 },
      quota: { perMinute: 6000, perHour: 120000 },
      sourcemapUploads: { chunkBytes: 1048576, maxBundleBytes: 67108864, maxBundleFiles: 2000, maxFileBytes: 33554432, retentionDays: 90, keepReleases: 5 },
      sourceMapCacheBytes: 160 * 1024 * 1024,
      stream: { maxClients: 2000, tokenSeconds: 60, heartbeatSeconds: 25 },
      mcpAllowedOrigins: [],
    });
  });

  it('takes a PostgreSQL DATABASE_URL only with API_KEY, and refuses another scheme', () => {
    const url = 'postgresql://errors:pw@db:5432/errors?sslmode=require';
    expect(loadConfig({ DATABASE_URL: url, API_KEY: 'k'.repeat(16), DATABASE_POOL_SIZE: '4' })).toMatchObject({ databaseUrl: url, databasePoolSize: 4 });
    expect(() => loadConfig({ DATABASE_URL: url })).toThrow(/API_KEY: must be set with DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db/errors', API_KEY: 'k'.repeat(16) })).toThrow(/DATABASE_URL: must be a postgres/);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      API_KEY: 'k'.repeat(32),
      DATABASE_PATH: '/var/lib/et/e.db',
      LOG_LEVEL: 'debug',
      RETENTION_DAYS: '30',
      RETENTION_INTERVAL_HOURS: '0.001',
      MIN_FREE_DISK_MB: '128',
      SELF_REPORT: 'true',
      SMTP_HOST: 'smtp.example.com',
      SMTP_PORT: '587',
      SMTP_USERNAME: 'u',
      SMTP_PASSWORD: 'p w',
      SMTP_FROM: 'Errors <errors@example.com>',
      ALERT_EMAILS: 'a@example.com, ops@localhost',
      PORT: '8080',
      HOST: '127.0.0.1',
      RATE_LIMIT_PER_MINUTE: '500',
      OPERATOR_RATE_LIMIT_PER_MINUTE: '3000',
      MAX_BODY_BYTES: '1048576',
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
      SCRUB_FIELDS: 'pin,otp',
      SMTP_TIMEOUT_SECONDS: '3',
      SMTP_TLS_REJECT_UNAUTHORIZED: 'false',
      ALERT_COOLDOWN_SECONDS: '60',
      ALERT_MAX_PER_HOUR: '5',
      ALERT_QUEUE_SIZE: '10',
      NOTIFY_URL: 'https://gotify.example.com',
      NOTIFY_TOKEN: 'AbC.123',
      PUBLIC_URL: 'https://errors.example.com/tracker/',
      CORS_ORIGINS: 'https://shop.example.com, http://localhost:3000',
      MAX_DECOMPRESSED_BYTES: '1048576',
    });
    expect(c).toMatchObject({
      apiKey: 'k'.repeat(32),
      databasePath: '/var/lib/et/e.db',
      logLevel: 'debug',
      retentionDays: 30,
      retentionIntervalHours: 0.001,
      minFreeDiskMb: 128,
      selfReport: true,
      smtp: { host: 'smtp.example.com', port: 587, username: 'u', password: 'p w', from: 'Errors <errors@example.com>' },
      alertEmails: ['a@example.com', 'ops@localhost'],
      port: 8080,
      host: '127.0.0.1',
      rateLimitPerMinute: 500,
      operatorRateLimitPerMinute: 3000,
      maxBodyBytes: 1048576,
      trustProxy: ['10.0.0.0/8', '127.0.0.1'],
      scrubFields: ['pin', 'otp'],
      publicUrl: 'https://errors.example.com/tracker',
      corsOrigins: ['https://shop.example.com', 'http://localhost:3000'],
      maxDecompressedBytes: 1048576,
    });
    expect(c.smtp).toMatchObject({ timeoutSeconds: 3, tlsRejectUnauthorized: false });
    expect(c).toMatchObject({
      alerts: { cooldownSeconds: 60, maxPerHour: 5, queueSize: 10 },
      publicUrl: 'https://errors.example.com/tracker',
      notify: { url: 'https://gotify.example.com', token: 'AbC.123' },
    });
    expect(Object.isFrozen(c) && Object.isFrozen(c.smtp)).toBe(true);
  });

  it('reports every invalid variable at once, by name', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', LOG_LEVEL: 'verbose', API_KEY: 'short', SMTP_PORT: '70000', RETENTION_DAYS: '-1', RETENTION_INTERVAL_HOURS: '0', MIN_FREE_DISK_MB: 'lots', SELF_REPORT: 'yes please', ALERT_EMAILS: 'ops@example.com,nope', MAX_BODY_BYTES: '10', PUBLIC_URL: 'ftp://x', CORS_ORIGINS: 'shop.example.com', MAX_DECOMPRESSED_BYTES: 'lots' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = (error as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(names.sort()).toEqual(['ALERT_EMAILS', 'API_KEY', 'CORS_ORIGINS', 'LOG_LEVEL', 'MAX_BODY_BYTES', 'MAX_DECOMPRESSED_BYTES', 'MIN_FREE_DISK_MB', 'PORT', 'PUBLIC_URL', 'RETENTION_DAYS', 'RETENTION_INTERVAL_HOURS', 'SELF_REPORT', 'SMTP_PORT']);
    expect((error as ConfigError).message).toContain("'nope' is not an email address");
  });

  it('reads the live stream settings and rejects out-of-range ones by name', () => {
    expect(loadConfig({ STREAM_MAX_CLIENTS: '0', STREAM_TOKEN_SECONDS: '300', STREAM_HEARTBEAT_SECONDS: '5' }).stream).toEqual({ maxClients: 0, tokenSeconds: 300, heartbeatSeconds: 5 });
    expect(() => loadConfig({ STREAM_TOKEN_SECONDS: '1', STREAM_HEARTBEAT_SECONDS: '0', STREAM_MAX_CLIENTS: 'many' })).toThrow(
      expect.objectContaining({ problems: [expect.stringMatching(/^STREAM_MAX_CLIENTS:/), expect.stringMatching(/^STREAM_TOKEN_SECONDS:/), expect.stringMatching(/^STREAM_HEARTBEAT_SECONDS:/)] }),
    );
  });

  it('rejects bad alert settings by name', () => {
    const names = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (e) {
        return (e as ConfigError).problems.map((p) => p.split(':')[0]).sort();
      }
    };
    expect(names({ SMTP_TIMEOUT_SECONDS: '0', SMTP_TLS_REJECT_UNAUTHORIZED: 'maybe', ALERT_MAX_PER_HOUR: '0', PUBLIC_URL: 'errors.example.com' })).toEqual(
      ['ALERT_MAX_PER_HOUR', 'PUBLIC_URL', 'SMTP_TIMEOUT_SECONDS', 'SMTP_TLS_REJECT_UNAUTHORIZED'],
    );
    expect(names({ NOTIFY_URL: 'https://gotify.example.com' })).toEqual(['NOTIFY_TOKEN']);
    expect(names({ NOTIFY_TOKEN: 't' })).toEqual(['NOTIFY_URL']);
  });

  it('treats NAME= (empty, as in .env.example) as unset', () => {
    expect(loadConfig({ PORT: '', SMTP_HOST: '', API_KEY: '  ', LOG_LEVEL: '' })).toMatchObject({ port: 5010, smtp: { host: undefined }, apiKey: undefined, logLevel: 'info' });
  });

  it.each([
    ['off', false],
    ['false', false],
    ['true', true],
    ['2', 2],
    ['127.0.0.1', ['127.0.0.1']],
  ] as const)('TRUST_PROXY=%s', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });
});

describe('alert rules and retries', () => {
  it('reads the spike and impact defaults and the retry window, and names a bad one', () => {
    const c = loadConfig({ ALERT_SPIKE_EVENTS: '50', ALERT_SPIKE_MINUTES: '10', ALERT_SPIKE_TIMES_USUAL: '4', ALERT_IMPACT_USERS: '25', ALERT_RETRY_MINUTES: '30' });
    expect(c.alerts).toMatchObject({ retryMinutes: 30, spike: { events: 50, minutes: 10, timesUsual: 4 }, impactUsers: 25 });
    expect(() => loadConfig({ ALERT_SPIKE_MINUTES: '0', ALERT_RETRY_MINUTES: 'soon' })).toThrow(/ALERT_SPIKE_MINUTES[\s\S]*ALERT_RETRY_MINUTES|ALERT_RETRY_MINUTES[\s\S]*ALERT_SPIKE_MINUTES/);
  });
});
