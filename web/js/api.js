// The JSON API client: the key goes in the X-API-Key header, never in a URL.

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function createApi(getKey, onUnauthorized) {
  async function request(method, path, key = getKey(), json = undefined) {
    let res;
    try {
      const headers = { 'x-api-key': key ?? '', accept: 'application/json' };
      if (json !== undefined) headers['content-type'] = 'application/json';
      res = await fetch(path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json), cache: 'no-store' });
    } catch {
      throw new ApiError(0, 'The service cannot be reached. Check your connection and try again.', 'network');
    }
    let body = null;
    try {
      body = await res.json();
    } catch {
      // a proxy's HTML error page, or an empty body
    }
    if (res.status === 401 && key === getKey()) onUnauthorized();
    if (!res.ok) {
      const message = typeof body?.error === 'string' ? body.error : `The service answered ${res.status}.`;
      throw new ApiError(res.status, message, body?.code);
    }
    return body;
  }

  const q = (params) => {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (Array.isArray(v)) for (const x of v) search.append(k, String(x));
      else if (v !== undefined && v !== '') search.set(k, String(v));
    }
    const text = search.toString();
    return text ? `?${text}` : '';
  };

  return {
    /** True when the service accepts this key; throws on any other failure. */
    async checkKey(key) {
      try {
        await request('GET', '/api/projects', key);
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return false;
        throw err;
      }
    },
    /** Any JSON call of the API (the triage routes, releases). */
    call: (method, path, json) => request(method, path, undefined, json),
    listErrors: (params) => request('GET', `/api/errors${q(params)}`),
    getError: (id) => request('GET', `/api/errors/${encodeURIComponent(id)}`),
    setResolved: (id, resolved) => request('POST', `/api/errors/${encodeURIComponent(id)}/${resolved ? 'resolve' : 'unresolve'}`),
    /** `{projects: [names], details: [{name, groups, unresolved, ingest_key, dsn, quota, dropped}]}`, in natural order. */
    projects: () => request('GET', '/api/projects'),
    /** `{events_per_minute, events_per_hour}`: null follows the default, 0 is no limit; answers the project. */
    setQuota: (name, quota) => request('PUT', `/api/projects/${encodeURIComponent(name)}/quota`, undefined, quota),
    /** The project's ingest key and DSN, or null where the service does not offer them. */
    async project(name) {
      try {
        return await request('GET', `/api/projects/${encodeURIComponent(name)}`);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
  };
}
