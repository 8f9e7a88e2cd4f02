// Configuration: one zod schema over the environment, validated once at start.
import { z } from 'zod';

const optionalText = z.string().trim().optional();

const int = (def: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((n) => n ?? def);

/** Loose on purpose: internal hosts such as ops@localhost are real recipients. `Name <addr>` is allowed too. */
const MAILBOX = /^(?:[^<>\r\n]*<[^\s@<>,]+@[^\s@<>,]+>|[^\s@<>,]+@[^\s@<>,]+)$/;

const emailList = z
  .string()
  .optional()
  .transform((s, ctx) => {
    const list = (s ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    for (const addr of list) {
      if (!MAILBOX.test(addr)) ctx.addIssue({ code: 'custom', message: `'${addr}' is not an email address` });
    }
    return list;
  });

const nameList = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  );

/**
 * The one reading of a boolean variable: true/false, yes/no, on/off, 1/0, in any case; anything
 * else is undefined (an error for the variable).
 */
export function parseBoolean(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'yes' || v === 'on' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === 'off' || v === '0') return false;
  return undefined;
}

/**
 * TRUST_PROXY: off by default, so X-Forwarded-For cannot be forged to dodge the rate limit.
 * A boolean word (true trusts every hop), a number trusts that many hops (0: none), anything else
 * is a list of proxy IPs/CIDRs.
 */
const trustProxy = z
  .string()
  .trim()
  .optional()
  .transform((s): boolean | number | string[] => {
    const v = (s ?? '').toLowerCase();
    if (v === '') return false;
    if (/^\d+$/.test(v)) return v === '0' ? false : Number(v);
    const word = parseBoolean(v);
    if (word !== undefined) return word;
    return v.split(',').map((p) => p.trim()).filter(Boolean);
  });

/** A boolean variable (parseBoolean's words) with its default. */
const bool = (def: boolean) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return def;
      const b = parseBoolean(s);
      if (b === undefined) ctx.addIssue({ code: 'custom', message: 'must be true or false (also yes/no, on/off, 1/0)' });
      return b ?? def;
    });

/** An http(s) base URL, without the trailing slash. */
const baseUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' })
  .transform((u) => u.replace(/\/+$/, ''))
  .optional();

/** PUBLIC_URL: the base URL clients reach the service at, for DSNs; http(s), no query or fragment. */
const publicUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://errors.example.com' })
  .refine((u) => !/[?#]/.test(u), 'must not carry a query string or fragment')
  .transform((u) => u.replace(/\/+$/, ''))
  .optional();

/** CORS_ORIGINS: `*` (any, the default) or a comma-separated list of origins such as https://shop.example.com. */
const corsOrigins = z
  .string()
  .optional()
  .transform((s, ctx): '*' | string[] => {
    const list = (s ?? '*').split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean);
    if (list.length === 0 || list.includes('*')) return '*';
    for (const o of list) {
      if (!/^https?:\/\/[^/?#\s]+$/i.test(o)) ctx.addIssue({ code: 'custom', message: `'${o}' is not an origin (scheme://host[:port])` });
    }
    return list.map((o) => o.toLowerCase());
  });

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
    NOTIFY_URL: baseUrl,
    NOTIFY_TOKEN: optionalText,
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
  })
  .superRefine((e, ctx) => {
    // One without the other would silently send nothing (or fail every push with 401).
    if ((e.NOTIFY_URL === undefined) !== (e.NOTIFY_TOKEN === undefined)) {
      const missing = e.NOTIFY_URL === undefined ? 'NOTIFY_URL' : 'NOTIFY_TOKEN';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'NOTIFY_URL and NOTIFY_TOKEN go together; set both or neither' });
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
      /** Alerts waiting for delivery; beyond it the oldest are folded into a summary. */
      queueSize: e.ALERT_QUEUE_SIZE,
    },
    notify: { url: e.NOTIFY_URL, token: e.NOTIFY_TOKEN },
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
