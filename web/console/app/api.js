// The console API client: JSON in and out, problems turned into errors
// that carry the problem's detail (never raw JSON) for the page to show.

/** ApiError is a failed request: the problem document's detail, code and fields. */
export class ApiError extends Error {
  constructor(problem, status) {
    super(problemText(problem, status));
    this.status = status;
    this.code = problem?.code || '';
    this.problem = problem || null;
  }
}

function problemText(p, status) {
  if (!p) return `The server answered ${status}.`;
  let text = p.detail || p.title || `The server answered ${status}.`;
  if (Array.isArray(p.fields) && p.fields.length) {
    text += ' ' + p.fields.map((f) => f.detail).filter(Boolean).join(' ');
  }
  return text;
}

/** newKey returns a fresh Idempotency-Key (a UUID: letters, digits, hyphens). */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * Api calls the console API at baseUrl with the bearer token getToken()
 * gives (a promise), and tells onUnauthorized when the token is refused.
 */
export class Api {
  constructor(baseUrl, getToken, onUnauthorized) {
    this.base = baseUrl.replace(/\/$/, '');
    this.getToken = getToken;
    this.onUnauthorized = onUnauthorized;
  }

  async request(method, path, body, { key } = {}) {
    const headers = { Accept: 'application/json' };
    const token = await this.getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (key) headers['Idempotency-Key'] = key;
    let res;
    try {
      res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError({ detail: 'The API cannot be reached; check your connection and try again.' }, 0);
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!res.ok) {
      if (res.status === 401 && this.onUnauthorized) this.onUnauthorized();
      throw new ApiError(data, res.status);
    }
    return data;
  }

  get(path) { return this.request('GET', path); }
  post(path, body, opts) { return this.request('POST', path, body, opts); }
  put(path, body, opts) { return this.request('PUT', path, body, opts); }
  patch(path, body) { return this.request('PATCH', path, body); }
  del(path, opts) { return this.request('DELETE', path, undefined, opts); }
}

/** q encodes a path segment or query value. */
export const q = encodeURIComponent;
