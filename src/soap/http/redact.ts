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

/** Element/key names whose value is a secret in Zimbra SOAP (AuthRequest, ChangePassword, SetPassword, PreAuth, context). */
const SECRET_KEYS = /^(authToken|password|newPassword|oldPassword|preauth|recoveryCode|twoFactorCode|csrfToken)$/i;
/** Attribute names (`<a n="...">`) holding secrets, e.g. in CreateAccount/ModifyAccount. */
const SECRET_ATTRS = /^(userPassword|zimbraAuthTokens|zimbraPreAuthKey|zimbraTwoFactorAuthSecret)$/i;
const TOKEN_LIKE = /\b0_[0-9a-f]{20,}_[0-9a-f]+\b/gi;

function redactJsonValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactJsonValue);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const secretAttr = typeof o['n'] === 'string' && SECRET_ATTRS.test(o['n']);
  for (const [k, val] of Object.entries(o)) {
    if (SECRET_KEYS.test(k) || (secretAttr && k === '_content')) out[k] = PLACEHOLDER;
    else out[k] = redactJsonValue(val);
  }
  return out;
}

/**
 * A SOAP envelope (JSON or XML) safe to log: auth tokens, passwords, pre-auth values and secret
 * account attributes replaced, and anything shaped like a Zimbra auth token as well. For
 * embedders' logging interceptors, which see `config.data` as sent.
 */
export function redactSoapBody(body: string): string {
  const trimmed = body.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.stringify(redactJsonValue(JSON.parse(trimmed))).replace(TOKEN_LIKE, PLACEHOLDER);
    } catch {
      // Not JSON after all: fall through to the text rules.
    }
  }
  return body
    .replace(
      /<((?:\w+:)?)(authToken|password|newPassword|oldPassword|preauth|recoveryCode|twoFactorCode|csrfToken)(\s[^>]*)?>[^<]*<\/\1\2>/gi,
      (_m, ns: string, name: string, attrs: string | undefined) =>
        `<${ns}${name}${attrs ?? ''}>${PLACEHOLDER}</${ns}${name}>`,
    )
    .replace(
      /<a(\s[^>]*\bn="(?:userPassword|zimbraAuthTokens|zimbraPreAuthKey|zimbraTwoFactorAuthSecret)"[^>]*)>[^<]*<\/a>/gi,
      `<a$1>${PLACEHOLDER}</a>`,
    )
    .replace(TOKEN_LIKE, PLACEHOLDER);
}
