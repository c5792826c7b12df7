/**
 * urn:zimbraAccount commands: AuthRequest (user), GetInfoRequest, GetAccountInfoRequest.
 * PROTOCOL.md 1a.
 */
import { SoapFault, faults } from '../wire/soap-fault.js';
import { NS, accountSelector, authAccount, claims, response, targetAccount, type HandlerSpec } from './context.js';
import { encodeIdentities, encodePrefs, encodeSignatures } from './account-prefs.js';

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

const SECTIONS = ['mbox', 'prefs', 'attrs', 'zimlets', 'props', 'idents', 'sigs', 'dsrcs', 'children'];

/**
 * GetInfoRequest (`service/account/GetInfo.java`): `sections` picks the parts (unknown names are
 * `service.INVALID_REQUEST`); `adminDelegated` only on a delegated token; `used` and the URLs are
 * content-disposition values (XML child elements, JSON strings): `soapURL` once, as
 * `account/GetAccountInfo.addUrls` replaces the http value with the https one.
 */
const getInfo: HandlerSpec = {
  name: 'GetInfoRequest',
  ns: NS.account,
  handle(req, ctx) {
    const c = claims(ctx);
    const acct = targetAccount(ctx);
    const asked = (req.get('sections') ?? '')
      .split(',')
      .map((x) => x.trim().toLowerCase())
      .filter((x) => x !== '');
    for (const x of asked) if (!SECTIONS.includes(x)) throw faults.invalidRequest(`unknown GetInfo section: ${x}`);
    const want = (x: string): boolean => asked.length === 0 || asked.includes(x);
    const r = response(req, NS.account);
    r.text('version', '10.1.0_GA_0000')
      .text('id', acct.id)
      .text('name', acct.name)
      .text('lifetime', c.expiresMs - Date.now());
    if (c.adminId !== undefined && ctx.state.directory.findAccount(c.adminId)?.isAdmin) r.text('adminDelegated', true);
    r.attr('docSizeLimit', 10485760).attr('attSizeLimit', 10240000).attr('isSpellCheckAvailable', false);
    if (want('mbox')) {
      r.text('rest', `${ctx.state.mailUrl}/home/${acct.name}`).text('used', acct.mailbox.size);
      r.text('isTrackingIMAP', false);
    }
    const cos = ctx.state.directory.cosOf(acct);
    if (cos) r.addUnique('cos').attr('id', cos.id).attr('name', cos.name);
    if (want('prefs')) encodePrefs(r.addUnique('prefs'), acct);
    if (want('attrs')) {
      const attrs = r.addUnique('attrs');
      attrs.kvXml = { el: 'attr', key: 'name' };
      for (const k of ['zimbraId', 'zimbraMailHost', 'displayName', 'zimbraAccountStatus', 'zimbraCOSId'])
        for (const v of acct.attrs[k] ?? []) attrs.pair(k, v);
    }
    if (want('zimlets')) r.addUnique('zimlets');
    if (want('props')) r.addUnique('props');
    if (want('idents')) encodeIdentities(r.addUnique('identities'), acct);
    if (want('sigs')) encodeSignatures(r.addUnique('signatures'), acct);
    if (want('dsrcs')) r.addUnique('dataSources');
    if (want('children')) r.addUnique('childAccounts');
    r.text('soapURL', `${ctx.state.mailUrl}/service/soap`).text('publicURL', ctx.state.mailUrl);
    if (acct.isAdmin) r.text('adminURL', `${ctx.state.adminUrl}/zimbraAdmin`);
    return r;
  },
};

/**
 * account GetAccountInfoRequest (`service/account/GetAccountInfo.java`): any authenticated user
 * may ask; an unknown account is `service.PERM_DENIED` (no directory harvesting); attributes are
 * key/value pairs (`<attr name>` in XML, `_attrs` in JSON).
 */
const getAccountInfo: HandlerSpec = {
  name: 'GetAccountInfoRequest',
  ns: NS.account,
  handle(req, ctx) {
    authAccount(ctx);
    const sel = accountSelector(req);
    if (!sel || sel.key === '') throw faults.invalidRequest('no text specified for the account element');
    const acct = ctx.state.directory.findAccount(sel.key);
    if (!acct) throw faults.permDenied('can not access account');
    const r = response(req, NS.account);
    r.text('name', acct.name);
    r.kvXml = { el: 'attr', key: 'name' };
    for (const k of ['zimbraId', 'zimbraMailHost', 'displayName', 'zimbraServiceAccountNumber'])
      for (const v of (acct.attrs[k] ?? []).slice(0, 1)) r.pair(k, v);
    r.text('soapURL', `${ctx.state.mailUrl}/service/soap`).text('publicURL', ctx.state.mailUrl);
    if (acct.isAdmin) r.text('adminURL', `${ctx.state.adminUrl}/zimbraAdmin`);
    return r;
  },
};

/** Account-namespace handlers. */
export const accountHandlers: HandlerSpec[] = [auth, getInfo, getAccountInfo];
