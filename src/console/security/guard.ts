/**
 * The request guard in front of every route: common headers, the Host check (a page on another
 * site cannot rebind its name to 127.0.0.1 and talk to us), the session cookie, the Origin check
 * and the CSRF token on every state-changing request.
 * @module
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { ConsoleDeps, ConsoleEnv } from '../context.js';
import { errorResponse } from '../http-errors.js';
import { COMMON_HEADERS } from './headers.js';
import { sameSecret } from './sessions.js';

/** Name of the session cookie (`__Host-` prefixed over TLS, which pins it to this origin). */
export function cookieName(tls: boolean): string {
  return tls ? '__Host-zb_console' : 'zb_console';
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** True when the request's Origin (when sent) is this server. */
export function sameOrigin(c: Context, deps: ConsoleDeps): boolean {
  const origin = c.req.header('origin');
  if (origin === undefined) return true;
  const host = (c.req.header('host') ?? '').toLowerCase();
  return origin.toLowerCase() === `${deps.tls ? 'https' : 'http'}://${host}`;
}

/** Headers and Host check for every request. */
export function baseGuard(deps: ConsoleDeps): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    // Over plain HTTP a hostile page can rebind its own name to our address; over TLS it cannot
    // (the certificate would not match its name), so the Host check guards plain HTTP only.
    const host = (c.req.header('host') ?? '').toLowerCase();
    if (!deps.tls && !deps.allowedHosts.has(host))
      return errorResponse(c, 421, 'ZB_BAD_HOST', 'unexpected Host header');
    await next();
    for (const [k, v] of Object.entries(COMMON_HEADERS)) c.res.headers.set(k, v);
    if (deps.tls) c.res.headers.set('strict-transport-security', 'max-age=31536000');
    if (c.req.path.startsWith('/api/')) c.res.headers.set('cache-control', 'no-store');
  };
}

/** Session and CSRF check for `/api/*` except the login. */
export function sessionGuard(deps: ConsoleDeps): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const session = deps.sessions.get(getCookie(c, cookieName(deps.tls)));
    if (!session) return errorResponse(c, 401, 'ZB_AUTH', 'not logged in');
    if (!SAFE_METHODS.has(c.req.method)) {
      if (!sameOrigin(c, deps)) return errorResponse(c, 403, 'ZB_CSRF', 'cross-origin request refused');
      const token = c.req.header('x-csrf-token');
      if (typeof token !== 'string' || !sameSecret(token, session.csrf))
        return errorResponse(c, 403, 'ZB_CSRF', 'missing or wrong CSRF token');
    }
    c.set('session', session);
    await next();
  };
}
