// The one catalogue of errors the service answers with: stable code, HTTP status, message.

export interface ErrorBody {
  error: string;
  code: string;
  details?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(code: string, statusCode: number, message: string, details?: unknown, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
    this.headers = headers;
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { error: this.message, code: this.code }
      : { error: this.message, code: this.code, details: this.details };
  }
}

/** A problem in a request: which field (dotted path) and what is wrong with it. */
export interface FieldIssue {
  path: string;
  message: string;
}

export const errors = {
  unauthorized: () => new AppError('unauthorized', 401, 'Missing or invalid API key (send it in the X-API-Key header)'),
  invalidJson: (why: string) => new AppError('invalid_json', 400, `Request body is not valid JSON: ${why}`),
  validation: (issues: FieldIssue[]) => new AppError('validation_failed', 400, 'Request did not pass validation', issues),
  bodyTooLarge: (limit: number) => new AppError('body_too_large', 413, `Request body exceeds the limit of ${limit} bytes`),
  unsupportedMediaType: (type: string | undefined) =>
    new AppError('unsupported_media_type', 415, `Unsupported Content-Type ${type ? `'${type}'` : '(none)'}; send application/json`),
  ingestKeyNotAllowed: () =>
    new AppError('forbidden', 403, 'An ingest key may only submit errors; this route needs the operator key'),
  tokenNotAllowed: () => new AppError('forbidden', 403, 'This token may not call this route (upload tokens upload source maps and releases; agent tokens use /mcp)'),
  tokenProjectNotAllowed: (project: string) => new AppError('forbidden', 403, `This token may not act on project '${project}'`),
  tokenNotFound: (id: number) => new AppError('not_found', 404, `No live token with id ${id}`),
  wrongProject: (project: string) => new AppError('wrong_project', 403, `This ingest key may only submit errors for project '${project}'`),
  mcpOriginNotAllowed: (origin: string) => new AppError('origin_not_allowed', 403, `Origin '${origin}' may not call /mcp (not in MCP_ALLOWED_ORIGINS)`),
  originNotAllowed: (origin: string) => new AppError('origin_not_allowed', 403, `Origin '${origin}' is not in CORS_ORIGINS`),
  projectExists: (name: string) => new AppError('project_exists', 409, `Project '${name}' exists already`),
  sentryAuthMissing: () =>
    new AppError('unauthorized', 401, 'Missing Sentry key (sentry_key in the query, X-Sentry-Auth, Authorization: Sentry, or the envelope dsn)'),
  sentryAuthConflict: () => new AppError('unauthorized', 401, 'The request carries different Sentry keys'),
  invalidEnvelope: (why: string) => new AppError('invalid_envelope', 400, `Invalid Sentry envelope: ${why}`),
  invalidEvent: (why: string) => new AppError('invalid_event', 400, `Invalid Sentry event: ${why}`),
  unsupportedEncoding: (encoding: string) =>
    new AppError('unsupported_encoding', 415, `Unsupported Content-Encoding '${encoding}'; send gzip, deflate, br or none`),
  corruptBody: (why: string) => new AppError('corrupt_body', 400, `The request body cannot be decompressed: ${why}`),
  decompressedTooLarge: (limit: number) =>
    new AppError('body_too_large', 413, `Request body exceeds the limit of ${limit} bytes once decompressed`),
  badUrl: () => new AppError('bad_url', 400, 'The URL is not valid (a malformed percent-encoding or an over-long path segment)'),
  badHost: () => new AppError('bad_host', 400, 'The Host header is missing or not a valid host[:port], so no DSN can be built (or set PUBLIC_URL)'),
  noReleaseYet: (project: string) => new AppError('no_release', 409, `Project '${project}' has no release yet to resolve in (send in_release with a release name once it has one)`),
  notFound: (what: string) => new AppError('not_found', 404, `${what} not found`),
  routeNotFound: (method: string, url: string) => new AppError('route_not_found', 404, `No route ${method} ${url}`),
  rateLimited: (retryAfterSeconds: number) =>
    new AppError('rate_limited', 429, `Too many requests; retry in ${retryAfterSeconds} s`, undefined, {
      'retry-after': String(retryAfterSeconds),
    }),
  authLockedOut: (retryAfterSeconds: number) =>
    new AppError('too_many_auth_failures', 429, `Too many failed authentications from this address; retry in ${retryAfterSeconds} s`, undefined, {
      'retry-after': String(retryAfterSeconds),
    }),
  tooManyItems: (limit: number) => new AppError('too_many_items', 413, `The envelope has more than ${limit} items`),
  serverBusy: (retryAfterSeconds = 2) =>
    new AppError('server_busy', 503, `Too many request bodies in flight; retry in ${retryAfterSeconds} s`, undefined, {
      'retry-after': String(retryAfterSeconds),
    }),
  quotaExceeded: (project: string, retryAfterSeconds: number, window: 'minute' | 'hour') =>
    new AppError('quota_exceeded', 429, `Project '${project}' is over its quota of events per ${window}; this event was dropped (and counted); retry in ${retryAfterSeconds} s`, undefined, {
      'retry-after': String(retryAfterSeconds),
    }),
  streamTokenInvalid: (why: string) =>
    new AppError('stream_token_invalid', 401, `The stream token is ${why === 'missing' ? 'missing' : why === 'expired' ? 'expired' : 'not valid'}; get one from POST /api/stream-token with the operator key`),
  tooManyStreams: (retryAfterSeconds = 30) =>
    new AppError('too_many_streams', 503, `Too many live streams are open (STREAM_MAX_CLIENTS); retry in ${retryAfterSeconds} s`, undefined, {
      'retry-after': String(retryAfterSeconds),
    }),
  storageUnavailable: () => new AppError('storage_unavailable', 503, 'The database cannot accept writes right now; retry later'),
  notReady: (failing: string[]) => new AppError('not_ready', 503, `Not ready: ${failing.join(', ')} failed`),
  smtpNotConfigured: (what: string) => new AppError('smtp_not_configured', 503, `SMTP not configured: ${what}`),
  // Source-map uploads (sentry-cli's chunk upload and artifact-bundle assemble).
  unknownProject: (project: string) => new AppError('unknown_project', 400, `No project '${project}' (create it on the Projects page first)`),
  chunkChecksumMismatch: (name: string) =>
    new AppError('chunk_checksum_mismatch', 400, `Chunk '${name}' does not match its SHA-1 checksum (the part's file name); nothing of this request was stored`),
  chunkTooLarge: (limit: number) => new AppError('chunk_too_large', 413, `A chunk exceeds the chunk size of ${limit} bytes (GET .../chunk-upload/ says it)`),
  bundleChecksumMismatch: () => new AppError('bundle_checksum_mismatch', 400, 'The assembled chunks do not match the bundle checksum; nothing was stored'),
  bundleTooLarge: (limit: number) => new AppError('bundle_too_large', 413, `The artifact bundle exceeds the limit of ${limit} bytes (SOURCEMAP_MAX_BUNDLE_BYTES); nothing was stored`),
  bundleTooManyFiles: (limit: number) => new AppError('bundle_too_many_files', 413, `The artifact bundle has more than ${limit} files (SOURCEMAP_MAX_BUNDLE_FILES); nothing was stored`),
  bundleFileTooLarge: (name: string, limit: number) =>
    new AppError('bundle_file_too_large', 413, `'${name}' in the artifact bundle exceeds ${limit} bytes uncompressed (SOURCEMAP_MAX_FILE_BYTES); nothing was stored`),
  invalidBundle: (why: string) => new AppError('invalid_bundle', 400, `The artifact bundle is not a valid source bundle: ${why}; nothing was stored`),
  invalidSourceMap: (url: string, why: string) => new AppError('invalid_source_map', 400, `'${url}' in the artifact bundle is not a source map: ${why}; nothing was stored`),
  internal: () => new AppError('internal_error', 500, 'Internal server error'),
} as const;
