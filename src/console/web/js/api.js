// Calls to the console API. The CSRF token comes from /api/session (never from the page HTML)
// and goes back in a header on every state-changing request.
let csrf = '';

export function setCsrf(token) {
  csrf = token || '';
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function call(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = data && data.error ? data.error : { code: 'HTTP_' + res.status, message: res.statusText };
    if (res.status === 401 && path !== '/api/login') window.dispatchEvent(new CustomEvent('zb-logged-out'));
    throw new ApiError(res.status, err.code, err.message);
  }
  return data;
}

export const api = {
  get: (path) => call('GET', path),
  post: (path, body) => call('POST', path, body ?? {}),
};

/** Query string from an object, skipping empty values. */
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? '?' + s : '';
}

/** Account path segment. */
export const acct = (name) => '/api/accounts/' + encodeURIComponent(name);
