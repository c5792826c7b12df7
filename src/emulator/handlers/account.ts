/**
 * urn:zimbraAccount commands: AuthRequest (user), GetInfoRequest, GetAccountInfoRequest.
 * PROTOCOL.md 1a.
 */
import { SoapFault, faults } from '../wire/soap-fault.js';
import { NS, accountSelector, authAccount, claims, response, targetAccount, type HandlerSpec } from './context.js';

const auth: HandlerSpec = {
  name: 'AuthRequest',
  ns: NS.account,
  handle(req, ctx) {
    const dir = ctx.state.directory;
    const existing = req.child('authToken');
    if (existing?.content) {
      // authToken verifyAccount: validate an existing token and return it again
      const c = ctx.state.tokens.verify(existing.content);
      const r = response(req, NS.account);
      r.add('authToken').setContent(existing.content);
      return r.text('lifetime', c.expiresMs - Date.now());
    }
    const sel = accountSelector(req);
    const name = sel?.key ?? req.get('name') ?? '';
    const password = req.get('password') ?? '';
    const acct = dir.findAccount(name);
    if (!acct || !dir.checkPassword(acct, password)) throw faults.authFailed(name);
    if (acct.attrs['zimbraAccountStatus']?.[0] === 'maintenance')
      throw new SoapFault('account.MAINTENANCE_MODE', 'account is in maintenance mode');
    const lifetime = ctx.state.authTokenLifetimeMs;
    const token = ctx.state.tokens.issue({ accountId: acct.id, expiresMs: Date.now() + lifetime, admin: false });
    const r = response(req, NS.account);
    r.add('authToken').setContent(token);
    r.text('lifetime', lifetime);
    r.add('skin').setContent('harmony');
    return r;
  },
};

const getInfo: HandlerSpec = {
  name: 'GetInfoRequest',
  ns: NS.account,
  handle(req, ctx) {
    const c = claims(ctx);
    const acct = targetAccount(ctx);
    const r = response(req, NS.account);
    r.text('version', '10.1.0_GA_0000')
      .text('id', acct.id)
      .text('name', acct.name)
      .text('lifetime', c.expiresMs - Date.now());
    r.text('adminDelegated', c.adminId !== undefined).text('rest', `${ctx.state.mailUrl}/home/${acct.name}`);
    r.attr('used', acct.mailbox.size);
    const attrs = r.addUnique('attrs');
    for (const k of ['zimbraId', 'zimbraMailHost', 'displayName', 'zimbraAccountStatus'])
      for (const v of acct.attrs[k] ?? []) attrs.pair(k, v);
    r.addUnique('prefs').pair('zimbraPrefMailPollingInterval', '120s');
    r.add('soapURL').setContent(`${ctx.state.mailUrl}/service/soap`);
    r.text('publicURL', ctx.state.mailUrl);
    return r;
  },
};

const getAccountInfo: HandlerSpec = {
  name: 'GetAccountInfoRequest',
  ns: NS.account,
  handle(req, ctx) {
    const self = authAccount(ctx);
    const sel = accountSelector(req);
    const acct = sel ? ctx.state.directory.findAccount(sel.key) : self;
    if (!acct) throw faults.noSuchAccount(sel?.key ?? '');
    if (acct !== self && !self.isAdmin) throw faults.permDenied(`can not access account ${sel?.key ?? ''}`);
    const r = response(req, NS.account);
    r.text('name', acct.name);
    for (const k of ['zimbraId', 'zimbraMailHost', 'displayName'])
      for (const v of acct.attrs[k] ?? []) r.add('attr').attr('name', k).setContent(v);
    r.text('soapURL', `${ctx.state.mailUrl}/service/soap`).text('publicURL', ctx.state.mailUrl);
    return r;
  },
};

/** Account-namespace handlers. */
export const accountHandlers: HandlerSpec[] = [auth, getInfo, getAccountInfo];
