/**
 * Redaction for anything the HTTP layer logs, and for embedders' own logging interceptors:
 * cookies, authorization headers, URL credentials and token query parameters.
 * @module
 */

const PLACEHOLDER = '**redacted**';
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-zimbra-auth-token']);
/** Query parameters Zimbra accepts an auth token in (UserServlet `zauthtoken`, `authToken`). */
const SECRET_PARAMS = new Set(['zauthtoken', 'authtoken', 'auth_token', 'password']);

/** `name=value; name2=value2` with every value replaced (names kept: they say which token was sent). */
function redactCookie(value: string): string {
  return value
    .split(';')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0 ? part : `${part.slice(0, eq)}=${PLACEHOLDER}`;
    })
    .join(';');
}

/**
 * A copy of `headers` safe to log: `Cookie`/`Set-Cookie` values, `Authorization`,
 * `Proxy-Authorization` and `X-Zimbra-Auth-Token` replaced by a placeholder.
 * @example
 * ```ts
 * instance.interceptors.request.use((config) => {
 *   log.debug({ url: redactUrl(config.url ?? ''), headers: redactHeaders(config.headers ?? {}) });
 *   return config;
 * });
 * ```
 */
export function redactHeaders(headers: object): Record<string, unknown> {
  const src =
    typeof (headers as { toJSON?: unknown }).toJSON === 'function'
      ? (headers as { toJSON(): object }).toJSON()
      : headers;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(src)) {
    const lower = name.toLowerCase();
    if (lower === 'cookie' || lower === 'set-cookie') {
      out[name] = Array.isArray(value) ? value.map((v) => redactCookie(String(v))) : redactCookie(String(value));
    } else if (SECRET_HEADERS.has(lower)) out[name] = PLACEHOLDER;
    else out[name] = value;
  }
  return out;
}

/** `url` without user/password and with auth-token query parameters replaced. */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return '(unparsable URL)';
  }
  if (u.username !== '' || u.password !== '') {
    u.username = '';
    u.password = '';
  }
  for (const key of [...u.searchParams.keys()]) {
    if (SECRET_PARAMS.has(key.toLowerCase())) u.searchParams.set(key, PLACEHOLDER);
  }
  return u.href;
}
