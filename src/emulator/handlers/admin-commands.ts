/**
 * urn:zimbraAdmin commands tools call to look around a server: NoOp, GetVersionInfo, GetDomain,
 * CountAccount, GetMailboxStats, GetAllMailboxes, GetQuotaUsage, GetAllCalendarResources,
 * GetAllConfig, AddAccountAlias, RemoveAccountAlias, AddDistributionListAlias,
 * RemoveDistributionListAlias, RenameAccount. Each follows the handler of
 * the same name in `store/src/java/com/zimbra/cs/service/admin/`.
 */
import type { AccountEntry, DlEntry } from '../model/directory.js';
import type { Element } from '../wire/element.js';
import { faults } from '../wire/soap-fault.js';
import { encodeEntry } from './admin-directory.js';
import { NS, requireAdmin, response, type HandlerSpec, type SoapContext } from './context.js';

const admin = (name: string, handle: HandlerSpec['handle']): HandlerSpec => ({
  name,
  ns: NS.admin,
  adminPort: true,
  handle: (req, ctx) => {
    requireAdmin(ctx);
    return handle(req, ctx);
  },
});

/** The version the emulator reports everywhere (`BuildInfo`). */
export const EMULATED_VERSION = { major: 10, minor: 1, micro: 0, full: '10.1.0_GA_0000', date: '20240610-0855' };

function byId(ctx: SoapContext, id: string | undefined): AccountEntry {
  if (id === undefined) throw faults.invalidRequest('missing required attribute: id');
  const a = ctx.state.directory.findAccount(id);
  if (!a || a.id !== id) throw faults.noSuchAccount(id);
  return a;
}

/**
 * A list or dynamic group by zimbraId only (AddDistributionListAlias.getGroup uses
 * DistributionListBy.id): a name or an alias is no id and finds nothing. An admin asking for an
 * absent group gets account.NO_SUCH_DISTRIBUTION_LIST (AdminDocumentHandler.defendAgainstGroupHarvesting).
 */
function dlById(ctx: SoapContext, id: string | undefined): DlEntry {
  if (id === undefined) throw faults.invalidRequest('missing required attribute: id');
  const dl = [...ctx.state.directory.dls.values()].find((d) => d.id === id);
  if (!dl) throw faults.noSuchDl(id);
  return dl;
}

function inDomain(a: AccountEntry, domain: string | undefined): boolean {
  return !domain || a.name.endsWith(`@${domain.toLowerCase()}`);
}

/** Quota of an account: its own `zimbraMailQuota`, else its COS's, else 0 (unlimited). */
function quotaOf(ctx: SoapContext, a: AccountEntry): number {
  const own = a.attrs['zimbraMailQuota']?.[0] ?? ctx.state.directory.cosOf(a)?.attrs['zimbraMailQuota']?.[0];
  return Number(own ?? 0) || 0;
}

/** `limit`/`offset` paging with `more` and `searchTotal` (GetAllMailboxes, GetQuotaUsage). */
function page<T>(r: Element, req: Element, all: T[], write: (x: T) => void): Element {
  const offset = Math.max(0, req.getInt('offset') ?? 0) || 0;
  const limit = req.getInt('limit') ?? 0;
  const slice = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset);
  for (const x of slice) write(x);
  return r.attr('more', offset + slice.length < all.length).attr('searchTotal', all.length);
}

const handlers: HandlerSpec[] = [
  admin('NoOpRequest', (req) => response(req, NS.admin)),
  admin('GetVersionInfoRequest', (req) => {
    const r = response(req, NS.admin);
    r.addUnique('info')
      .attr('type', 'FOSS')
      .attr('version', EMULATED_VERSION.full)
      .attr('release', 'GA')
      .attr('buildDate', EMULATED_VERSION.date)
      .attr('host', 'zimbra-emulator')
      .attr('majorversion', String(EMULATED_VERSION.major))
      .attr('minorversion', String(EMULATED_VERSION.minor))
      .attr('microversion', String(EMULATED_VERSION.micro))
      .attr('platform', 'UBUNTU22_64');
    return r;
  }),
  // GetDomain.java: <domain by="name|id">, unknown is account.NO_SUCH_DOMAIN
  admin('GetDomainRequest', (req, ctx) => {
    const sel = req.child('domain');
    const key = sel?.content ?? '';
    const by = sel?.get('by') ?? 'name';
    const dir = ctx.state.directory;
    const d = by === 'id' ? [...dir.domains.values()].find((x) => x.id === key) : dir.domains.get(key.toLowerCase());
    if (!d) throw faults.noSuchDomain(key);
    const only = req.get('attrs');
    const r = response(req, NS.admin);
    encodeEntry(r, 'domain', d, only ? new Set(only.split(',').map((x) => x.trim().toLowerCase())) : undefined);
    return r;
  }),
  // CountAccount.java: per COS, <cos id name>count</cos> for the domain's accounts
  admin('CountAccountRequest', (req, ctx) => {
    const sel = req.child('domain');
    const key = (sel?.content ?? '').toLowerCase();
    const dir = ctx.state.directory;
    const d = sel?.get('by') === 'id' ? [...dir.domains.values()].find((x) => x.id === key) : dir.domains.get(key);
    if (!d) throw faults.noSuchDomain(key);
    const counts = new Map<string, { id: string; name: string; n: number }>();
    for (const a of dir.allAccounts()) {
      if (!inDomain(a, d.name)) continue;
      const cos = dir.cosOf(a);
      if (!cos) continue;
      const c = counts.get(cos.id) ?? { id: cos.id, name: cos.name, n: 0 };
      c.n++;
      counts.set(cos.id, c);
    }
    const r = response(req, NS.admin);
    for (const c of counts.values()) r.add('cos').attr('id', c.id).attr('name', c.name).setContent(String(c.n));
    return r;
  }),
  admin('GetMailboxStatsRequest', (req, ctx) => {
    const accounts = ctx.state.directory.allAccounts();
    const r = response(req, NS.admin);
    r.addUnique('stats')
      .attr('numMboxes', accounts.length)
      .attr(
        'totalSize',
        accounts.reduce((s, a) => s + a.mailbox.size, 0),
      );
    return r;
  }),
  admin('GetAllMailboxesRequest', (req, ctx) => {
    const accounts = ctx.state.directory.allAccounts().sort((a, b) => a.mailbox.mailboxId - b.mailbox.mailboxId);
    const r = response(req, NS.admin);
    return page(r, req, accounts, (a) => {
      const mb = a.mailbox;
      r.add('mbox')
        .attr('id', mb.mailboxId)
        .attr('groupId', mb.mailboxId)
        .attr('accountId', a.id)
        .attr('indexVolumeId', 2)
        .attr('itemIdCheckPoint', mb.nextId - 1)
        .attr('contactCount', [...mb.items.values()].filter((i) => i.type === 'contact').length)
        .attr('sizeCheckPoint', mb.size)
        .attr('changeCheckPoint', mb.lastChangeId)
        .attr('trackingSync', 0)
        .attr('trackingImap', false)
        .attr('lastSoapAccess', 0)
        .attr('newMessages', 0);
    });
  }),
  // GetQuotaUsage.java: sortBy totalUsed|percentUsed|quotaLimit, sortAscending, domain, paging
  admin('GetQuotaUsageRequest', (req, ctx) => {
    const domain = req.get('domain');
    const sortBy = req.get('sortBy') ?? 'totalUsed';
    if (!['totalUsed', 'percentUsed', 'quotaLimit'].includes(sortBy))
      throw faults.invalidRequest(`sortBy must be percentUsed or totalUsed or quotaLimit`);
    const asc = req.getBool('sortAscending');
    const rows = ctx.state.directory
      .allAccounts()
      .filter((a) => inDomain(a, domain))
      .map((a) => ({ a, used: a.mailbox.size, limit: quotaOf(ctx, a) }));
    const key = (x: (typeof rows)[number]): number =>
      sortBy === 'quotaLimit' ? x.limit : sortBy === 'percentUsed' ? (x.limit > 0 ? x.used / x.limit : 0) : x.used;
    rows.sort((x, y) => (asc ? key(x) - key(y) : key(y) - key(x)) || (x.a.name < y.a.name ? -1 : 1));
    const r = response(req, NS.admin);
    return page(r, req, rows, (x) =>
      r.add('account').attr('name', x.a.name).attr('id', x.a.id).attr('used', x.used).attr('limit', x.limit),
    );
  }),
  // the emulator provisions no calendar resources: the answer of a server without any
  admin('GetAllCalendarResourcesRequest', (req) => response(req, NS.admin)),
  admin('GetAllConfigRequest', (req, ctx) => {
    const r = response(req, NS.admin);
    const config: Array<[string, string]> = [
      ['zimbraMtaMaxMessageSize', '10240000'],
      ['zimbraFileUploadMaxSize', '10485760'],
      ['zimbraSoapExposeVersion', 'FALSE'],
      ['zimbraDefaultDomainName', [...ctx.state.directory.domains.keys()][0] ?? ''],
      ['zimbraMailPurgeSleepInterval', '1m'],
    ];
    for (const [k, v] of config) r.add('a').attr('n', k).setContent(v);
    return r;
  }),
  // AddAccountAlias.java / RemoveAccountAlias.java: the account by zimbraId, empty responses
  admin('AddAccountAliasRequest', (req, ctx) => {
    const alias = req.get('alias');
    if (alias === undefined) throw faults.invalidRequest('missing required attribute: alias');
    ctx.state.directory.addAlias(byId(ctx, req.get('id')), alias);
    return response(req, NS.admin);
  }),
  admin('RemoveAccountAliasRequest', (req, ctx) => {
    const alias = req.get('alias');
    if (alias === undefined) throw faults.invalidRequest('missing required attribute: alias');
    ctx.state.directory.removeAlias(byId(ctx, req.get('id')), alias);
    return response(req, NS.admin);
  }),
  // AddDistributionListAlias.java -> LdapProvisioning.addGroupAlias -> addAliasInternal, the same
  // checks as an account alias (domain must exist, address free: account.ACCOUNT_EXISTS); the
  // alias joins the group's zimbraMailAlias and mail. Empty response.
  admin('AddDistributionListAliasRequest', (req, ctx) => {
    const dl = dlById(ctx, req.get('id'));
    const alias = req.get('alias');
    if (alias === undefined) throw faults.invalidRequest('missing required attribute: alias');
    ctx.state.directory.addAlias(dl, alias);
    return response(req, NS.admin);
  }),
  // RemoveDistributionListAlias.java: the alias is removed first and NO_SUCH_DISTRIBUTION_LIST
  // raised after, for an unknown id (a dangling alias is cleaned up as far as possible).
  admin('RemoveDistributionListAliasRequest', (req, ctx) => {
    const alias = req.get('alias');
    if (alias === undefined) throw faults.invalidRequest('missing required attribute: alias');
    const id = req.get('id');
    const dl = [...ctx.state.directory.dls.values()].find((d) => d.id === id);
    if (!dl) throw faults.noSuchDl(id ?? '');
    ctx.state.directory.removeAlias(dl, alias);
    return response(req, NS.admin);
  }),
  // RenameAccount.java: answers the renamed account with its attributes
  admin('RenameAccountRequest', (req, ctx) => {
    const a = byId(ctx, req.get('id'));
    const newName = req.get('newName');
    if (newName === undefined) throw faults.invalidRequest('missing required attribute: newName');
    ctx.state.directory.renameAccount(a, newName);
    const r = response(req, NS.admin);
    encodeEntry(r, 'account', a);
    return r;
  }),
];

/** Admin look-around and alias/rename handlers. */
export const adminCommandHandlers: HandlerSpec[] = handlers;
