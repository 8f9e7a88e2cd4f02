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
  notFound: (what: string) => new AppError('not_found', 404, `${what} not found`),
  routeNotFound: (method: string, url: string) => new AppError('route_not_found', 404, `No route ${method} ${url}`),
  rateLimited: (retryAfterSeconds: number) =>
    new AppError('rate_limited', 429, `Too many requests; retry in ${retryAfterSeconds} s`, undefined, {
      'retry-after': String(retryAfterSeconds),
    }),
  storageUnavailable: () => new AppError('storage_unavailable', 503, 'The database cannot accept writes right now; retry later'),
  notReady: (failing: string[]) => new AppError('not_ready', 503, `Not ready: ${failing.join(', ')} failed`),
  smtpNotConfigured: (what: string) => new AppError('smtp_not_configured', 503, `SMTP not configured: ${what}`),
  internal: () => new AppError('internal_error', 500, 'Internal server error'),
} as const;
