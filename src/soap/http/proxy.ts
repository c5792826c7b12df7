/**
 * Proxy selection: `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY` semantics, read from
 * an environment object the caller passes (the library reads no environment itself; the CLI
 * passes `process.env`).
 * @module
 */
import { ZimbraBackupError } from '../../errors.js';

/** Where requests go through a proxy. Credentials may be in the URL (`http://user:pass@proxy:3128`); they are never logged. */
export interface ProxyOptions {
  /** Proxy for `http://` targets (forward proxying: absolute URL on the request line). */
  httpProxy?: string | undefined;
  /** Proxy for `https://` targets (a CONNECT tunnel; TLS stays end to end with the server). */
  httpsProxy?: string | undefined;
  /** Hosts reached directly: comma/space list of names (a name also matches its subdomains; a leading `.` or `*.` is the same), `host:port`, IP literals, or `*` for all. */
  noProxy?: string | undefined;
}

/**
 * Proxy settings from environment variables, curl's way: `https_proxy`/`HTTPS_PROXY`,
 * `http_proxy`/`HTTP_PROXY`, `all_proxy`/`ALL_PROXY` as the fallback of both, and
 * `no_proxy`/`NO_PROXY`. Lower case wins when both are set.
 */
export function proxyFromEnv(env: Readonly<Record<string, string | undefined>>): ProxyOptions {
  const pick = (name: string): string | undefined => {
    const v = env[name.toLowerCase()] ?? env[name.toUpperCase()];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const all = pick('all_proxy');
  const out: ProxyOptions = {};
  const https = pick('https_proxy') ?? all;
  const http = pick('http_proxy') ?? all;
  const no = pick('no_proxy');
  if (https !== undefined) out.httpsProxy = https;
  if (http !== undefined) out.httpProxy = http;
  if (no !== undefined) out.noProxy = no;
  return out;
}

/** Parses and checks a proxy URL (`host:port` alone means `http://host:port`). */
export function parseProxyUrl(value: string, field: string): URL {
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    // The value may hold credentials: never echo it.
    throw new ZimbraBackupError(`invalid option ${field}: not a URL`, { code: 'ZB_INVALID_ARGUMENT', data: { field } });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new ZimbraBackupError(`invalid option ${field}: only http:// and https:// proxies are supported`, {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field, protocol: u.protocol },
    });
  return u;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Whether `url` matches one `NO_PROXY` list. */
export function bypassesProxy(url: URL, noProxy: string | undefined): boolean {
  if (noProxy === undefined) return false;
  const host = stripBrackets(url.hostname.toLowerCase()).replace(/\.$/, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (m) {
      entry = m[1] as string;
      entryPort = m[2];
    }
    entry = stripBrackets(entry)
      .replace(/^\*?\./, '')
      .replace(/\.$/, '');
    if (entryPort !== undefined && entryPort !== port) continue;
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** The proxy for one request URL, or `undefined` to connect directly. */
export function proxyFor(url: URL, opts: ProxyOptions | undefined): URL | undefined {
  if (!opts) return undefined;
  const value = url.protocol === 'https:' ? opts.httpsProxy : opts.httpProxy;
  if (value === undefined || bypassesProxy(url, opts.noProxy)) return undefined;
  return parseProxyUrl(value, url.protocol === 'https:' ? 'proxy.httpsProxy' : 'proxy.httpProxy');
}
