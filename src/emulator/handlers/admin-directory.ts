/**
 * urn:zimbraAdmin provisioning commands over the directory. Admin objects always carry their
 * attributes as `a[{n,_content}]`, never `_attrs` (`service/admin/ToXML.encodeAttr`).
 */
import type { AccountEntry, DirEntry, DlEntry } from '../model/directory.js';
import { BLOCKED_ATTRS } from '../model/passwords.js';
import { type Element } from '../wire/element.js';
import { SoapFault, faults } from '../wire/soap-fault.js';
import {
  NS,
  accountSelector,
  requestAttrs,
  requireAdmin,
  response,
  type HandlerSpec,
  type SoapContext,
} from './context.js';
import { compileFilter } from './ldap-filter.js';

/** LC.zimbra_directory_max_search_result default (common/src/java/com/zimbra/common/localconfig/LC.java). */
const DIRECTORY_MAX_SEARCH_RESULT = 5000;

/**
 * Writes `<name name id><a n>v</a>...</name>`; `only` limits the attributes returned. Secrets
 * (`userPassword`...) come as one `VALUE-BLOCKED` and data-source passwords not at all, as
 * `admin/ToXML.encodeAttrs` writes them.
 */
export function encodeEntry(parent: Element, elName: string, e: DirEntry, only?: Set<string>): Element {
  const el = parent.add(elName).attr('name', e.name).attr('id', e.id);
  for (const [k, values] of Object.entries(e.attrs)) {
    const lower = k.toLowerCase();
    if (lower === 'zimbradatasourcepassword' || (only && !only.has(lower))) continue;
    if (BLOCKED_ATTRS.has(lower)) el.add('a').attr('n', k).setContent('VALUE-BLOCKED');
    else for (const v of values) el.add('a').attr('n', k).setContent(v);
  }
  return el;
}

function attrFilter(req: Element): Set<string> | undefined {
  const s = req.get('attrs');
  return s
    ? new Set(
        s
          .split(',')
          .map((x) => x.trim().toLowerCase())
          .filter((x) => x),
      )
    : undefined;
}

function findAccount(ctx: SoapContext, req: Element): AccountEntry {
  const sel = accountSelector(req);
  if (!sel) throw faults.invalidRequest('missing account');
  const a = ctx.state.directory.findAccount(sel.key);
  if (!a) throw faults.noSuchAccount(sel.key);
  return a;
}

const admin = (name: string, handle: HandlerSpec['handle']): HandlerSpec => ({
  name,
  ns: NS.admin,
  adminPort: true,
  handle: (req, ctx) => {
    requireAdmin(ctx);
    return handle(req, ctx);
  },
});

function dlFrom(ctx: SoapContext, req: Element): DlEntry {
  const sel = accountSelector(req, 'dl');
  const key = sel?.key ?? req.get('id');
  if (!key) throw faults.invalidRequest('missing dl');
  return ctx.state.directory.dl(key);
}

const OBJECT_CLASSES = {
  account: ['inetOrgPerson', 'zimbraAccount', 'amavisAccount'],
  dl: ['zimbraDistributionList', 'zimbraMailRecipient'],
  domain: ['dcObject', 'organization', 'zimbraDomain'],
  cos: ['zimbraCOS'],
};

const searchDirectory = admin('SearchDirectoryRequest', (req, ctx) => {
  const dir = ctx.state.directory;
  const types = (req.get('types') ?? 'accounts').split(',').map((t) => t.trim());
  const match = compileFilter(req.get('query'));
  const domain = req.get('domain')?.toLowerCase();
  const inDomain = (name: string): boolean => !domain || name.endsWith(`@${domain}`) || name === domain;
  const hits: Array<{ el: string; e: DirEntry }> = [];
  const consider = (el: string, e: DirEntry, oc: string[]): void => {
    if (inDomain(e.name) && match({ ...e.attrs, objectClass: oc })) hits.push({ el, e });
  };
  if (types.includes('accounts')) for (const a of dir.allAccounts()) consider('account', a, OBJECT_CLASSES.account);
  if (types.includes('distributionlists')) for (const d of dir.dls.values()) consider('dl', d, OBJECT_CLASSES.dl);
  if (types.includes('domains')) for (const d of dir.domains.values()) consider('domain', d, OBJECT_CLASSES.domain);
  if (types.includes('coses')) for (const c of dir.coses.values()) consider('cos', c, OBJECT_CLASSES.cos);
  hits.sort((x, y) => (x.e.name < y.e.name ? -1 : x.e.name > y.e.name ? 1 : 0));
  // SearchDirectory.java: maxResults defaults to LC zimbra_directory_max_search_result (5000) and
  // limits the whole LDAP result (LdapProvisioning.searchDirectory size limit), paging or not.
  const maxResults = req.getInt('maxResults') ?? DIRECTORY_MAX_SEARCH_RESULT;
  if (maxResults > 0 && hits.length > maxResults)
    throw new SoapFault('account.TOO_MANY_SEARCH_RESULTS', `number of results exceeded ${maxResults}`);
  const r = response(req, NS.admin);
  if (req.getBool('countOnly')) return r.attr('num', hits.length);
  const offset = Math.max(0, req.getInt('offset') ?? 0);
  const limit = req.getInt('limit') ?? 0;
  const page = limit > 0 ? hits.slice(offset, offset + limit) : hits.slice(offset);
  const only = attrFilter(req);
  for (const h of page) encodeEntry(r, h.el, h.e, only);
  return r.attr('more', offset + page.length < hits.length).attr('searchTotal', hits.length);
});

const handlers: HandlerSpec[] = [
  admin('GetAllServersRequest', (req, ctx) => {
    // GetAllServers.java: `service` keeps the servers with that service in zimbraServiceEnabled
    const service = req.get('service');
    const r = response(req, NS.admin);
    for (const s of ctx.state.directory.servers)
      if (!service || s.attrs['zimbraServiceEnabled']?.includes(service)) encodeEntry(r, 'server', s);
    return r;
  }),
  admin('GetServerRequest', (req, ctx) => {
    const key = req.child('server')?.content ?? '';
    const s = ctx.state.directory.servers.find((x) => x.id === key || x.name === key);
    if (!s) throw faults.invalidRequest(`no such server: ${key}`);
    const r = response(req, NS.admin);
    encodeEntry(r, 'server', s);
    return r;
  }),
  admin('GetAllDomainsRequest', (req, ctx) => {
    const r = response(req, NS.admin);
    for (const d of ctx.state.directory.domains.values()) encodeEntry(r, 'domain', d);
    return r;
  }),
  admin('GetAllCosRequest', (req, ctx) => {
    const r = response(req, NS.admin);
    for (const c of ctx.state.directory.coses.values()) encodeEntry(r, 'cos', c);
    return r;
  }),
  admin('GetAllDistributionListsRequest', (req, ctx) => {
    const domain = req.child('domain')?.content?.toLowerCase();
    const r = response(req, NS.admin);
    for (const d of ctx.state.directory.dls.values())
      if (!domain || d.name.endsWith(`@${domain}`)) encodeEntry(r, 'dl', d).attr('dynamic', d.dynamic === true);
    return r;
  }),
  admin('GetDistributionListRequest', (req, ctx) => {
    const dl = dlFrom(ctx, req);
    const r = response(req, NS.admin);
    const el = encodeEntry(r, 'dl', dl).attr('dynamic', dl.dynamic === true);
    for (const m of dl.members) el.add('dlm').setContent(m);
    return r.attr('more', false).attr('total', dl.members.length);
  }),
  admin('GetAllAccountsRequest', (req, ctx) => {
    const domain = req.child('domain')?.content?.toLowerCase();
    const r = response(req, NS.admin);
    for (const a of ctx.state.directory.allAccounts())
      if (!domain || a.name.endsWith(`@${domain}`)) encodeEntry(r, 'account', a);
    return r;
  }),
  searchDirectory,
  admin('GetAccountRequest', (req, ctx) => {
    const r = response(req, NS.admin);
    encodeEntry(r, 'account', findAccount(ctx, req), attrFilter(req));
    return r;
  }),
  // admin/GetAccountInfo.java: name, a (zimbraId, zimbraMailHost, zimbraServiceAccountNumber), cos,
  // then soapURL, adminSoapURL, publicMailURL, all as elements (JSON arrays of {_content})
  admin('GetAccountInfoRequest', (req, ctx) => {
    const a = findAccount(ctx, req);
    const r = response(req, NS.admin);
    r.add('name').setContent(a.name);
    for (const k of ['zimbraId', 'zimbraMailHost', 'zimbraServiceAccountNumber'])
      for (const v of (a.attrs[k] ?? []).slice(0, 1)) if (v !== '') r.add('a').attr('n', k).setContent(v);
    const cos = ctx.state.directory.cosOf(a);
    if (cos) r.addUnique('cos').attr('id', cos.id).attr('name', cos.name);
    r.add('soapURL').setContent(`${ctx.state.mailUrl}/service/soap`);
    r.add('adminSoapURL').setContent(`${ctx.state.adminUrl}/service/admin/soap`);
    r.add('publicMailURL').setContent(ctx.state.mailUrl);
    return r;
  }),
  admin('GetMailboxRequest', (req, ctx) => {
    const id = req.child('mbox')?.get('id') ?? '';
    const a = ctx.state.directory.findAccount(id);
    if (!a) throw faults.noSuchAccount(id);
    const r = response(req, NS.admin);
    r.add('mbox').attr('mbxid', a.mailbox.mailboxId).attr('s', a.mailbox.size);
    return r;
  }),
  admin('CreateDomainRequest', (req, ctx) => {
    const r = response(req, NS.admin);
    encodeEntry(r, 'domain', ctx.state.directory.createDomain(req.get('name') ?? '', requestAttrs(req)));
    return r;
  }),
  admin('CreateCosRequest', (req, ctx) => {
    const r = response(req, NS.admin);
    encodeEntry(r, 'cos', ctx.state.directory.createCos(req.get('name') ?? '', requestAttrs(req)));
    return r;
  }),
  admin('CreateAccountRequest', (req, ctx) => {
    const name = req.get('name');
    if (!name) throw faults.invalidRequest('missing name');
    const r = response(req, NS.admin);
    encodeEntry(r, 'account', ctx.state.directory.createAccount(name, req.get('password') ?? '', requestAttrs(req)));
    return r;
  }),
  admin('DeleteAccountRequest', (req, ctx) => {
    ctx.state.directory.deleteAccount(req.get('id') ?? '');
    return response(req, NS.admin);
  }),
  admin('ModifyAccountRequest', (req, ctx) => {
    const a = ctx.state.directory.findAccount(req.get('id') ?? '');
    if (!a) throw faults.noSuchAccount(req.get('id') ?? '');
    ctx.state.directory.modifyAccount(a, requestAttrs(req));
    const r = response(req, NS.admin);
    encodeEntry(r, 'account', a);
    return r;
  }),
  admin('CreateDistributionListRequest', (req, ctx) => {
    // CreateDistributionList.java: dynamic="1" creates a group (LdapProvisioning.createDynamicGroup);
    // the answer encodes it as GetDistributionList.encodeDistributionList does, dynamic="1".
    const dynamic = ['1', 'true'].includes((req.get('dynamic') ?? '').toLowerCase());
    const name = req.get('name') ?? '';
    if (!name) throw faults.invalidRequest('missing name');
    const dl = ctx.state.directory.createDistributionList(name, [], requestAttrs(req), dynamic);
    const r = response(req, NS.admin);
    encodeEntry(r, 'dl', dl).attr('dynamic', dynamic);
    return r;
  }),
  admin('AddDistributionListMemberRequest', (req, ctx) => {
    const dl = ctx.state.directory.dl(req.get('id') ?? '');
    ctx.state.directory.addMembers(
      dl,
      req
        .all('dlm')
        .map((m) => m.content ?? '')
        .filter((m) => m !== ''),
    );
    return response(req, NS.admin);
  }),
];

/** Admin provisioning handlers. */
export const adminDirectoryHandlers: HandlerSpec[] = handlers;
