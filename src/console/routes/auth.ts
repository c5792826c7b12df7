/**
 * `/api/login`, `/api/logout`, `/api/session`. The login is the one state-changing request made
 * without a session: it must come from this origin as JSON (a cross-site form cannot send that
 * without a CORS preflight we never grant), and failures are rate-limited per client address.
 * @module
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ConsoleDeps, ConsoleEnv } from '../context.js';
import { errorResponse, toErrorResponse } from '../http-errors.js';
import { cookieName, sameOrigin, sessionGuard } from '../security/guard.js';

function clientAddress(c: Parameters<typeof getConnInfo>[0]): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The login routes. */
export function authRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  // Not secret: lets the login form ask for the right credentials.
  app.get('/login', (c) => c.json({ mode: deps.auth.mode }));
  app.post('/login', async (c) => {
    if (!sameOrigin(c, deps)) return errorResponse(c, 403, 'ZB_CSRF', 'cross-origin request refused');
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json'))
      return errorResponse(c, 415, 'ZB_INVALID_ARGUMENT', 'send the login as application/json');
    const address = clientAddress(c);
    const wait = deps.limiter.retryAfterMs(address);
    if (wait > 0) {
      c.header('retry-after', String(Math.ceil(wait / 1000)));
      return errorResponse(c, 429, 'ZB_RATE_LIMITED', 'too many failed logins: wait and try again');
    }
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = await c.req.json();
      body = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
    } catch {
      return errorResponse(c, 400, 'ZB_INVALID_ARGUMENT', 'the body is not JSON');
    }
    let who: Awaited<ReturnType<ConsoleDeps['auth']['login']>>;
    try {
      who = await deps.auth.login(body);
    } catch (err) {
      deps.logger.warn({ message: err instanceof Error ? err.message : String(err) }, 'console: login check failed');
      return errorResponse(c, 502, 'ZB_TRANSPORT', 'the Zimbra server could not check the credentials');
    }
    if (!who) {
      deps.limiter.fail(address);
      deps.logger.warn(
        { address, user: typeof body['username'] === 'string' ? body['username'].slice(0, 100) : undefined },
        'console: login refused',
      );
      return errorResponse(c, 401, 'ZB_AUTH', 'wrong credentials');
    }
    deps.limiter.succeed(address);
    // A login replaces any session this browser had (no session fixation).
    const old = getCookie(c, cookieName(deps.tls));
    if (old) deps.sessions.destroy(old);
    const session = deps.sessions.create(who.user, who.client);
    setCookie(c, cookieName(deps.tls), session.id, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: deps.tls,
      path: '/',
    });
    deps.logger.info({ user: who.user, address }, 'console: login');
    return c.json({ user: session.user, csrf: session.csrf, mode: deps.auth.mode });
  });
  app.use('/logout', sessionGuard(deps));
  app.post('/logout', (c) => {
    deps.sessions.destroy(c.get('session').id);
    deleteCookie(c, cookieName(deps.tls), { path: '/', secure: deps.tls });
    return c.body(null, 204);
  });
  app.use('/session', sessionGuard(deps));
  app.get('/session', (c) => {
    const s = c.get('session');
    return c.json({
      user: s.user,
      csrf: s.csrf,
      mode: deps.auth.mode,
      serverConfigured: deps.auth.mode === 'zimbra',
      filesRoot: deps.filesRoot !== undefined,
    });
  });
  app.onError((err, c) => toErrorResponse(c, err, deps.logger));
  return app;
}
