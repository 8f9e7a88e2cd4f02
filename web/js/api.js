// The JSON API client: the key goes in the X-API-Key header, never in a URL.

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function createApi(getKey, onUnauthorized) {
  async function request(method, path, key = getKey()) {
    let res;
    try {
      res = await fetch(path, { method, headers: { 'x-api-key': key ?? '', accept: 'application/json' }, cache: 'no-store' });
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
    listErrors: (params) => request('GET', `/api/errors${q(params)}`),
    getError: (id) => request('GET', `/api/errors/${encodeURIComponent(id)}`),
    setResolved: (id, resolved) => request('POST', `/api/errors/${encodeURIComponent(id)}/${resolved ? 'resolve' : 'unresolve'}`),
    projects: () => request('GET', '/api/projects'),
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
