// The tools' way to the data: the REST API called in-process with the operator key, after the MCP layer checked the caller.
import type { FastifyInstance } from 'fastify';

/** A reply of the API other than 2xx: its status and the catalogue's code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export type Query = Record<string, string | number | string[] | undefined>;

export interface ApiClient {
  get(path: string, query?: Query): Promise<Record<string, unknown>>;
  post(path: string, body?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/**
 * Going through the routes rather than the store keeps one meaning of every filter and state
 * (status, ignore, users, releases grow there) and picks up new fields without a change here.
 * `ip` is the agent's own address, so the operator budget these calls draw on is the agent's.
 */
export function createApiClient(app: FastifyInstance, apiKey: string, ip: string): ApiClient {
  const call = async (method: 'GET' | 'POST', path: string, query?: Query, body?: Record<string, unknown>) => {
    const res = await app.inject({
      method,
      url: path + queryString(query),
      remoteAddress: ip,
      headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    let parsed: Record<string, unknown> = {};
    try {
      parsed = res.body === '' ? {} : (JSON.parse(res.body) as Record<string, unknown>);
    } catch {
      // Not JSON: judged by the status alone.
    }
    if (res.statusCode >= 400) {
      throw new ApiError(res.statusCode, String(parsed.code ?? 'error'), String(parsed.error ?? `HTTP ${res.statusCode}`));
    }
    return parsed;
  };
  return { get: (path, query) => call('GET', path, query), post: (path, body) => call('POST', path, undefined, body) };
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}
