// Configuration: one zod schema over the environment, validated once at start.
import { z } from 'zod';
import { alertWebhooks, baseUrl, bool, corsOrigins, emailList, int, MAILBOX, mcpOrigins, nameList, optionalText, publicUrl, trustProxy } from './config-types.js';

export { parseBoolean } from './config-types.js';

export const envSchema = z
  .object({
    API_KEY: z.string().min(16, 'must be at least 16 characters (try: openssl rand -hex 32), or unset to generate one').optional(),
    DATABASE_PATH: z.string().trim().min(1).optional().transform((s) => s ?? './data/errors.db'),
    DATABASE_URL: z
      .string()
      .trim()
      .regex(/^postgres(ql)?:\/\/\S+$/i, 'must be a postgres:// or postgresql:// URL (unset: SQLite at DATABASE_PATH)')
      .optional(),
    DATABASE_POOL_SIZE: int(10, 1, 1000),
    LOG_LEVEL: z
      .enum(['error', 'warn', 'info', 'debug'], { message: 'must be one of error, warn, info, debug' })
      .optional()
      .transform((s) => s ?? 'info'),
    RETENTION_DAYS: int(90, 0, 36500),
    RETENTION_INTERVAL_HOURS: z
      .string()
      .trim()
      .regex(/^\d+(\.\d+)?$/, 'must be a number of hours, e.g. 24 or 0.5')
      .transform(Number)
      .pipe(z.number().min(0.0001, 'must be more than 0').max(500, 'must be at most 500 (about three weeks)'))
      .optional()
      .transform((n) => n ?? 24),
    MIN_FREE_DISK_MB: int(64, 0, 10_000_000),
    SELF_REPORT: bool(false),
    SMTP_HOST: optionalText,
    SMTP_PORT: int(25, 1, 65535),
    SMTP_USERNAME: optionalText,
    SMTP_PASSWORD: z.string().optional(),
    SMTP_FROM: z.string().trim().regex(MAILBOX, 'must be an email address (or Name <address>)').optional().transform((s) => s ?? 'errors@example.com'),
    SMTP_TIMEOUT_SECONDS: int(10, 1, 600),
    SMTP_TLS_REJECT_UNAUTHORIZED: bool(true),
    ALERT_EMAILS: emailList,
    ALERT_COOLDOWN_SECONDS: int(600, 0, 7 * 86_400),
    ALERT_MAX_PER_HOUR: int(30, 1, 100_000),
    ALERT_QUEUE_SIZE: int(100, 1, 100_000),
    ALERT_RETRY_MINUTES: int(60, 1, 7 * 24 * 60),
    ALERT_SPIKE_EVENTS: int(0, 0, 1_000_000_000),
    ALERT_SPIKE_MINUTES: int(5, 1, 60),
    ALERT_SPIKE_TIMES_USUAL: int(0, 0, 1_000_000),
    ALERT_IMPACT_USERS: int(0, 0, 100_000),
    NOTIFY_URL: baseUrl,
    NOTIFY_TOKEN: optionalText,
    ALERT_WEBHOOKS: alertWebhooks,
    ALERT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters (try: openssl rand -hex 32)').optional(),
    ALERT_WEBHOOK_PRIVATE_ADDRESSES: z.enum(['allow', 'deny'], { message: 'must be allow or deny' }).optional().transform((s) => s ?? 'allow'),
    ALERT_WEBHOOK_TIMEOUT_SECONDS: int(10, 1, 300),
    PORT: int(5010, 0, 65535),
    HOST: z.string().trim().min(1).optional().transform((s) => s ?? '0.0.0.0'),
    RATE_LIMIT_PER_MINUTE: int(100, 0, 1_000_000),
    OPERATOR_RATE_LIMIT_PER_MINUTE: int(1200, 0, 1_000_000),
    MAX_BODY_BYTES: int(262_144, 1024, 100 * 1024 * 1024),
    TRUST_PROXY: trustProxy,
    SCRUB_FIELDS: nameList,
    PUBLIC_URL: publicUrl,
    CORS_ORIGINS: corsOrigins,
    MAX_DECOMPRESSED_BYTES: int(20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    MAX_BODY_BYTES_IN_FLIGHT: z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number).optional(),
    REQUEST_TIMEOUT_SECONDS: int(30, 0, 3600),
    HEADERS_TIMEOUT_SECONDS: int(10, 1, 3600),
    KEEP_ALIVE_TIMEOUT_SECONDS: int(72, 1, 3600),
    MAX_CONNECTIONS_PER_ADDRESS: int(1024, 0, 1_000_000).optional(),
    QUOTA_EVENTS_PER_MINUTE: int(6_000, 0, 1_000_000_000),
    QUOTA_EVENTS_PER_HOUR: int(120_000, 0, 1_000_000_000),
    SOURCEMAP_CHUNK_BYTES: int(1024 * 1024, 1024, 32 * 1024 * 1024),
    SOURCEMAP_MAX_BUNDLE_BYTES: int(64 * 1024 * 1024, 1024, 2 * 1024 * 1024 * 1024),
    SOURCEMAP_MAX_BUNDLE_FILES: int(2000, 1, 1_000_000),
    SOURCEMAP_MAX_FILE_BYTES: int(32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    SOURCEMAP_RETENTION_DAYS: int(90, 0, 36500),
    SOURCEMAP_KEEP_RELEASES: int(5, 0, 100_000),
    SOURCEMAP_CACHE_MB: int(160, 8, 16_384),
    STREAM_MAX_CLIENTS: int(2000, 0, 100_000),
    STREAM_TOKEN_SECONDS: int(60, 5, 3600),
    STREAM_HEARTBEAT_SECONDS: int(25, 1, 600),
    MCP_ALLOWED_ORIGINS: mcpOrigins,
  })
  .superRefine((e, ctx) => {
    // One without the other would silently send nothing (or fail every push with 401).
    if ((e.NOTIFY_URL === undefined) !== (e.NOTIFY_TOKEN === undefined)) {
      const missing = e.NOTIFY_URL === undefined ? 'NOTIFY_URL' : 'NOTIFY_TOKEN';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'NOTIFY_URL and NOTIFY_TOKEN go together; set both or neither' });
    }
    // A generic webhook is always signed: with its own secret (per project) or this one.
    if (e.ALERT_WEBHOOKS.some((w) => w.kind === 'webhook') && e.ALERT_WEBHOOK_SECRET === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ALERT_WEBHOOK_SECRET'], message: 'is required when ALERT_WEBHOOKS has a webhook= entry (its payload is signed with it)' });
    }
    // Instances behind one load balancer must share the operator key; each would generate its own.
    if (e.DATABASE_URL !== undefined && e.API_KEY === undefined) {
      ctx.addIssue({ code: 'custom', path: ['API_KEY'], message: 'must be set with DATABASE_URL: every instance needs the same operator key' });
    }
    // Node refuses a headers timeout longer than the request timeout.
    if (e.REQUEST_TIMEOUT_SECONDS > 0 && e.HEADERS_TIMEOUT_SECONDS > e.REQUEST_TIMEOUT_SECONDS) {
      ctx.addIssue({ code: 'custom', path: ['HEADERS_TIMEOUT_SECONDS'], message: 'must not be longer than REQUEST_TIMEOUT_SECONDS' });
    }
    // Smaller, the largest body allowed could never be read.
    const largest = Math.max(e.MAX_BODY_BYTES, e.MAX_DECOMPRESSED_BYTES);
    if (e.MAX_BODY_BYTES_IN_FLIGHT !== undefined && e.MAX_BODY_BYTES_IN_FLIGHT < largest) {
      ctx.addIssue({ code: 'custom', path: ['MAX_BODY_BYTES_IN_FLIGHT'], message: `must be at least MAX_BODY_BYTES and MAX_DECOMPRESSED_BYTES (${largest})` });
    }
  })
  .transform((e) => ({
    apiKey: e.API_KEY,
    databasePath: e.DATABASE_PATH,
    /** PostgreSQL instead of SQLite (several stateless instances); undefined keeps SQLite. */
    databaseUrl: e.DATABASE_URL,
    /** PostgreSQL connections per instance at most. */
    databasePoolSize: e.DATABASE_POOL_SIZE,
    logLevel: e.LOG_LEVEL,
    retentionDays: e.RETENTION_DAYS,
    /** Decimals allowed, so tests can run the cleanup every few seconds. */
    retentionIntervalHours: e.RETENTION_INTERVAL_HOURS,
    /** /ready fails below this much free space in the database's directory. */
    minFreeDiskMb: e.MIN_FREE_DISK_MB,
    /** Record the service's own crashes as project `error-tracker` in its own database. */
    selfReport: e.SELF_REPORT,
    smtp: {
      host: e.SMTP_HOST,
      port: e.SMTP_PORT,
      username: e.SMTP_USERNAME,
      password: e.SMTP_PASSWORD,
      from: e.SMTP_FROM,
      timeoutSeconds: e.SMTP_TIMEOUT_SECONDS,
      /** false accepts a self-signed server certificate (logged as a warning at start). */
      tlsRejectUnauthorized: e.SMTP_TLS_REJECT_UNAUTHORIZED,
    },
    alertEmails: e.ALERT_EMAILS,
    alerts: {
      cooldownSeconds: e.ALERT_COOLDOWN_SECONDS,
      maxPerHour: e.ALERT_MAX_PER_HOUR,
      /** Alerts decided and not yet delivered; beyond it newer alerts are held into the next summary. */
      queueSize: e.ALERT_QUEUE_SIZE,
      /** A delivery is retried with backoff for this long after the alert was decided, then given up (logged). */
      retryMinutes: e.ALERT_RETRY_MINUTES,
      /** The spike rule's global default: more than `events` in `minutes` (0: off), and more than `timesUsual` times the usual hourly rate (0: not checked). */
      spike: { events: e.ALERT_SPIKE_EVENTS, minutes: e.ALERT_SPIKE_MINUTES, timesUsual: e.ALERT_SPIKE_TIMES_USUAL },
      /** The impact rule's global default: this many distinct users of a group in an hour (0: off). */
      impactUsers: e.ALERT_IMPACT_USERS,
    },
    notify: { url: e.NOTIFY_URL, token: e.NOTIFY_TOKEN },
    /** Chat and webhook channels for every project; their URLs are secrets (never logged in full). */
    alertWebhooks: {
      channels: e.ALERT_WEBHOOKS,
      /** Signs the generic webhook's body (HMAC-SHA256) when a project sets no secret of its own. */
      secret: e.ALERT_WEBHOOK_SECRET,
      /** 'allow' (default): self-hosted ntfy, Gotify and Mattermost often live on private networks. */
      privateAddresses: e.ALERT_WEBHOOK_PRIVATE_ADDRESSES,
      timeoutMs: e.ALERT_WEBHOOK_TIMEOUT_SECONDS * 1000,
    },
    port: e.PORT,
    host: e.HOST,
    /** 0 turns rate limiting off (benchmarks). */
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    /** Requests with the valid operator key, per IP, apart from the clients' budget; 0 is unlimited. */
    operatorRateLimitPerMinute: e.OPERATOR_RATE_LIMIT_PER_MINUTE,
    maxBodyBytes: e.MAX_BODY_BYTES,
    trustProxy: e.TRUST_PROXY,
    scrubFields: e.SCRUB_FIELDS,
    /** Base of the DSNs shown for projects; unset, the request's own scheme and host. */
    publicUrl: e.PUBLIC_URL,
    /** Origins whose pages may report with an ingest key; '*' is any. */
    corsOrigins: e.CORS_ORIGINS,
    /** A Sentry envelope after decompression; a single event is capped at 1 MiB below it. */
    maxDecompressedBytes: e.MAX_DECOMPRESSED_BYTES,
    /** All request bodies being read or handled at once; past it a retryable 503. */
    maxBodyBytesInFlight: e.MAX_BODY_BYTES_IN_FLIGHT ?? Math.max(64 * 1024 * 1024, e.MAX_BODY_BYTES, e.MAX_DECOMPRESSED_BYTES),
    connections: {
      /** 0: none. Headers and body together. */
      requestTimeoutMs: e.REQUEST_TIMEOUT_SECONDS * 1000,
      headersTimeoutMs: e.HEADERS_TIMEOUT_SECONDS * 1000,
      /** Above the 60 s idle timeout of nginx and AWS load balancers, so they close first. */
      keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
      /** 0: no cap. Off by default behind a proxy (TRUST_PROXY): every connection comes from it. */
      maxPerAddress: e.MAX_CONNECTIONS_PER_ADDRESS ?? (e.TRUST_PROXY === false ? 1024 : 0),
    },
    /** Spike protection: events a project may send per minute and per hour (0: no limit); projects may set their own. */
    quota: { perMinute: e.QUOTA_EVENTS_PER_MINUTE, perHour: e.QUOTA_EVENTS_PER_HOUR },
    /** Source-map uploads (sentry-cli): chunk size offered, bundle limits, and how long bundles are kept. */
    sourcemapUploads: {
      chunkBytes: e.SOURCEMAP_CHUNK_BYTES,
      maxBundleBytes: e.SOURCEMAP_MAX_BUNDLE_BYTES,
      maxBundleFiles: e.SOURCEMAP_MAX_BUNDLE_FILES,
      /** One file of a bundle, uncompressed; all files read together are capped at four bundles' worth. */
      maxFileBytes: e.SOURCEMAP_MAX_FILE_BYTES,
      /** 0: bundles are never deleted for their age. */
      retentionDays: e.SOURCEMAP_RETENTION_DAYS,
      /** The bundles of each project's newest N releases are kept whatever their age. */
      keepReleases: e.SOURCEMAP_KEEP_RELEASES,
    },
    /** Parsed source maps kept in memory (estimated; a 10 MB map takes about 70 MB parsed); a map over half of it is not used. */
    sourceMapCacheBytes: e.SOURCEMAP_CACHE_MB * 1024 * 1024,
    /** The live feed (GET /api/stream): open streams at most (0: none), stream token lifetime, heartbeat. */
    stream: { maxClients: e.STREAM_MAX_CLIENTS, tokenSeconds: e.STREAM_TOKEN_SECONDS, heartbeatSeconds: e.STREAM_HEARTBEAT_SECONDS },
    /** Browser origins that may call /mcp; requests without an Origin (agents) always may. */
    mcpAllowedOrigins: e.MCP_ALLOWED_ORIGINS,
  }));

export type Config = z.output<typeof envSchema>;

/** Every variable the schema reads (documented in .env.example; test/env-example.test.ts keeps them in step). */
export const ENV_VARIABLES: readonly string[] = Object.keys(envSchema.in.shape);

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Validates the whole environment and reports every bad variable at once. */
export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  // `NAME=` (left empty, as in .env.example) means "use the default", not "invalid".
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = envSchema.safeParse(given);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`));
  }
  return deepFreeze(parsed.data);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
