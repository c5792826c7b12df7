/**
 * urn:zimbraAdmin AuthRequest and DelegateAuthRequest (PROTOCOL.md 1b, 1c). DelegateAuth
 * echoes the requested lifetime while the token's real expiry is the shorter one, as
 * `DelegateAuth.java` does.
 */
import { faults } from '../wire/soap-fault.js';
import type { Element } from '../wire/element.js';
import { NS, accountSelector, requireAdmin, response, type HandlerSpec, type SoapContext } from './context.js';

const adminAuth: HandlerSpec = {
  name: 'AuthRequest',
  ns: NS.admin,
  adminPort: true,
  handle(req, ctx) {
    if (req.get('password') === undefined) return validateSession(req, ctx);
    const name = req.get('name') ?? accountSelector(req)?.key ?? '';
    const password = req.get('password') ?? '';
    const acct = ctx.state.directory.findAccount(name);
    if (!acct || !ctx.state.directory.checkPassword(acct, password)) throw faults.authFailed(name);
    if (!acct.isAdmin) throw faults.permDenied('not an admin account');
    const lifetime = ctx.state.adminAuthTokenLifetimeMs;
    const token = ctx.state.tokens.issue({ accountId: acct.id, expiresMs: Date.now() + lifetime, admin: true });
    const r = response(req, NS.admin);
    r.add('authToken').setContent(token);
    return r.text('lifetime', lifetime);
  },
};

/**
 * AuthRequest without a password: validates an existing admin token and answers with it
 * (`admin/Auth.java` -> `AuthUtil.getAuthToken(request, zsc)`): the context's token (header or
 * cookie) wins over the request's `<authToken>`; no token at all, or one that does not verify, is
 * `service.AUTH_REQUIRED`; an expired token or a deleted account is `service.AUTH_EXPIRED`; a
 * token that is not an admin's is `service.PERM_DENIED` "Error in Authentication".
 */
function validateSession(req: Element, ctx: SoapContext): Element {
  const token = ctx.token || req.child('authToken')?.content;
  if (!token) throw faults.authRequired();
  const c = ctx.state.tokens.verify(token);
  if (ctx.expireAuth) throw faults.authExpired();
  const acct = ctx.state.directory.findAccount(c.accountId);
  if (!acct) throw faults.authExpired();
  if (!c.admin || !acct.isAdmin) throw faults.permDenied('Error in Authentication');
  const r = response(req, NS.admin);
  r.text('lifetime', c.expiresMs - Date.now());
  r.add('authToken').setContent(token);
  return r;
}

const delegateAuth: HandlerSpec = {
  name: 'DelegateAuthRequest',
  ns: NS.admin,
  adminPort: true,
  handle(req, ctx) {
    const admin = requireAdmin(ctx);
    const sel = accountSelector(req);
    if (!sel) throw faults.invalidRequest('missing account');
    const acct = ctx.state.directory.findAccount(sel.key);
    if (!acct) throw faults.noSuchAccount(sel.key);
    const durationSec = req.getInt('duration') ?? 3600;
    if (!Number.isFinite(durationSec)) throw faults.invalidRequest('invalid duration');
    const requestedMs = durationSec * 1000;
    const realMs = Math.min(requestedMs, ctx.state.authTokenLifetimeMs);
    const token = ctx.state.tokens.issue({
      accountId: acct.id,
      expiresMs: Date.now() + realMs,
      admin: false,
      adminId: admin.id,
    });
    const r = response(req, NS.admin);
    r.add('authToken').setContent(token);
    return r.text('lifetime', requestedMs);
  },
};

/** Admin authentication handlers. */
export const adminAuthHandlers: HandlerSpec[] = [adminAuth, delegateAuth];
