/**
 * Commands third-party tools call that the emulator used to answer with UNKNOWN_DOCUMENT. Each
 * follows the handler of the same name in store/src/java/com/zimbra/cs/service/{admin,account,mail}/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { rawJson, rawLogin } from './raw-soap.js';

let emu: Emulator;
let adminToken: string;
let userToken: string;
let ann: { id: string; name: string };
const A = 'urn:zimbraAdmin';
const adm = (name: string, req: Record<string, unknown> = {}) =>
  rawJson(`${emu.adminUrl}/service/admin/soap`, name, A, req, adminToken);
const usr = (name: string, ns: string, req: Record<string, unknown> = {}) =>
  rawJson(`${emu.url}/service/soap`, name, ns, req, userToken);

beforeAll(async () => {
  emu = await startEmulator();
  emu.createDomain('other.test');
  ann = emu.createAccount('ann@example.test', 'pw', { zimbraMailQuota: '1000000' });
  emu.createAccount('zed@other.test', 'pw');
  emu.deliver(ann.name, 'Subject: s\r\n\r\nbody\r\n');
  adminToken = await rawLogin(`${emu.adminUrl}/service/admin/soap`, true, emu.adminUser, emu.adminPassword);
  userToken = await rawLogin(`${emu.url}/service/soap`, false, ann.name, 'pw');
});
afterAll(async () => emu.close());

describe('admin commands', () => {
  it('NoOp and GetVersionInfo (NoOp.java, GetVersionInfo.java)', async () => {
    expect((await adm('NoOpRequest')).el).toEqual({ _jsns: A });
    const v = await adm('GetVersionInfoRequest');
    expect(v.el['info']).toMatchObject({ version: '10.1.0_GA_0000', majorversion: '10', type: 'FOSS' });
  });

  it('GetDomain by name and id, NO_SUCH_DOMAIN otherwise (GetDomain.java)', async () => {
    const d = await adm('GetDomainRequest', { domain: { by: 'name', _content: 'other.test' } });
    const dom = d.el['domain'][0] as { id: string; name: string };
    expect(dom.name).toBe('other.test');
    const byId = await adm('GetDomainRequest', { domain: { by: 'id', _content: dom.id } });
    expect(byId.el['domain'][0]['name']).toBe('other.test');
    expect((await adm('GetDomainRequest', { domain: { by: 'name', _content: 'no.test' } })).code).toBe(
      'account.NO_SUCH_DOMAIN',
    );
  });

  it('CountAccount per COS with the count as content (CountAccount.java)', async () => {
    const r = await adm('CountAccountRequest', { domain: { by: 'name', _content: 'other.test' } });
    expect(r.el['cos']).toEqual([{ id: expect.any(String), name: 'default', _content: '1' }]);
  });

  it('GetMailboxStats, GetAllMailboxes (paged), GetQuotaUsage (GetQuotaUsage.java)', async () => {
    const stats = await adm('GetMailboxStatsRequest');
    expect(stats.el['stats']['numMboxes']).toBe(3);
    expect(stats.el['stats']['totalSize']).toBeGreaterThan(0);
    const all = await adm('GetAllMailboxesRequest', { limit: 2, offset: 0 });
    expect(all.el['mbox']).toHaveLength(2);
    expect(all.el).toMatchObject({ more: true, searchTotal: 3 });
    const q = await adm('GetQuotaUsageRequest', { domain: 'example.test', sortBy: 'quotaLimit' });
    expect(q.el['account'][0]).toMatchObject({ name: ann.name, id: ann.id, limit: 1000000 });
    expect((await adm('GetQuotaUsageRequest', { sortBy: 'bogus' })).code).toBe('service.INVALID_REQUEST');
  });

  it('GetAllCalendarResources (none provisioned) and GetAllConfig', async () => {
    expect((await adm('GetAllCalendarResourcesRequest')).el).toEqual({ _jsns: A });
    const cfg = await adm('GetAllConfigRequest');
    expect((cfg.el['a'] as Array<{ n: string }>).map((a) => a.n)).toContain('zimbraMtaMaxMessageSize');
  });

  it('AddAccountAlias makes the alias resolve; taken or foreign-domain aliases are refused; RemoveAccountAlias', async () => {
    expect((await adm('AddAccountAliasRequest', { id: ann.id, alias: 'annie@example.test' })).el).toEqual({ _jsns: A });
    const viaAlias = await adm('GetAccountRequest', { account: { by: 'name', _content: 'annie@example.test' } });
    const acct = viaAlias.el['account'][0] as { id: string; a: Array<{ n: string; _content: string }> };
    expect(acct.id).toBe(ann.id);
    expect(acct.a.filter((a) => a.n === 'zimbraMailAlias').map((a) => a._content)).toEqual(['annie@example.test']);
    expect((await adm('AddAccountAliasRequest', { id: ann.id, alias: 'zed@other.test' })).code).toBe(
      'account.ACCOUNT_EXISTS',
    );
    expect((await adm('AddAccountAliasRequest', { id: ann.id, alias: 'x@nowhere.test' })).code).toBe(
      'account.NO_SUCH_DOMAIN',
    );
    await adm('RemoveAccountAliasRequest', { id: ann.id, alias: 'annie@example.test' });
    expect((await adm('GetAccountRequest', { account: { by: 'name', _content: 'annie@example.test' } })).code).toBe(
      'account.NO_SUCH_ACCOUNT',
    );
  });

  // AddDistributionListAlias.java: the group by zimbraId only (getGroup(DistributionListBy.id)), an
  // absent one is account.NO_SUCH_DISTRIBUTION_LIST for an admin (AdminDocumentHandler
  // .defendAgainstGroupHarvesting); LdapProvisioning.addGroupAlias -> addAliasInternal: same checks
  // as an account alias, the alias joins zimbraMailAlias and mail. A list's zimbraMailAlias also holds
  // its own address (LdapProvisioning.createDistributionList / createDynamicGroup), and a list is
  // found by name through zimbraMailAlias (UBIDLdapFilterFactory.distributionListByName).
  // RemoveDistributionListAlias.java: NO_SUCH_DISTRIBUTION_LIST for an unknown id.
  it('AddDistributionListAlias makes the alias resolve to the list or group; taken addresses refused; RemoveDistributionListAlias', async () => {
    const attrsOf = (el: { a: Array<{ n: string; _content: string }> }, n: string): string[] =>
      el.a.filter((a) => a.n === n).map((a) => a._content);
    const created = await adm('CreateDistributionListRequest', { name: 'team@example.test' });
    const team = created.el['dl'][0] as { id: string; a: Array<{ n: string; _content: string }> };
    expect(attrsOf(team, 'zimbraMailAlias')).toEqual(['team@example.test']);
    expect((await adm('AddDistributionListAliasRequest', { id: team.id, alias: 'Crew@Example.test' })).el).toEqual({
      _jsns: A,
    });
    const got = await adm('GetDistributionListRequest', { dl: { by: 'id', _content: team.id } });
    const dl = got.el['dl'][0] as { id: string; a: Array<{ n: string; _content: string }> };
    expect(attrsOf(dl, 'zimbraMailAlias')).toEqual(['team@example.test', 'crew@example.test']);
    expect(attrsOf(dl, 'mail')).toEqual(['team@example.test', 'crew@example.test']);
    const viaAlias = await adm('GetDistributionListRequest', { dl: { by: 'name', _content: 'crew@example.test' } });
    expect(viaAlias.el['dl'][0]['id']).toBe(team.id);
    // the same alias again, an account's address, and an account alias over the list alias
    for (const alias of ['crew@example.test', ann.name])
      expect((await adm('AddDistributionListAliasRequest', { id: team.id, alias })).code).toBe(
        'account.ACCOUNT_EXISTS',
      );
    expect((await adm('AddAccountAliasRequest', { id: ann.id, alias: 'crew@example.test' })).code).toBe(
      'account.ACCOUNT_EXISTS',
    );
    expect((await adm('AddDistributionListAliasRequest', { id: team.id, alias: 'x@nowhere.test' })).code).toBe(
      'account.NO_SUCH_DOMAIN',
    );
    // by id only: the list's name is no id
    expect(
      (await adm('AddDistributionListAliasRequest', { id: 'team@example.test', alias: 'y@example.test' })).code,
    ).toBe('account.NO_SUCH_DISTRIBUTION_LIST');
    // a dynamic group takes aliases the same way
    const group = (await adm('CreateDistributionListRequest', { name: 'dyn@example.test', dynamic: '1' })).el['dl'][0];
    await adm('AddDistributionListAliasRequest', { id: group['id'], alias: 'dyn-alias@other.test' });
    const g = await adm('GetDistributionListRequest', { dl: { by: 'name', _content: 'dyn-alias@other.test' } });
    expect(g.el['dl'][0]).toMatchObject({ id: group['id'], dynamic: true });
    await adm('RemoveDistributionListAliasRequest', { id: team.id, alias: 'crew@example.test' });
    expect((await adm('GetDistributionListRequest', { dl: { by: 'name', _content: 'crew@example.test' } })).code).toBe(
      'account.NO_SUCH_DISTRIBUTION_LIST',
    );
    expect((await adm('RemoveDistributionListAliasRequest', { id: 'nope', alias: 'crew@example.test' })).code).toBe(
      'account.NO_SUCH_DISTRIBUTION_LIST',
    );
  });

  it('RenameAccount answers the renamed account; the new name logs in (RenameAccount.java)', async () => {
    const z = emu.accounts().find((a) => a.name === 'zed@other.test')!;
    const r = await adm('RenameAccountRequest', { id: z.id, newName: 'zoe@other.test' });
    expect(r.el['account'][0]).toMatchObject({ id: z.id, name: 'zoe@other.test' });
    await expect(rawLogin(`${emu.url}/service/soap`, false, 'zoe@other.test', 'pw')).resolves.toMatch(/^0_/);
    expect((await adm('RenameAccountRequest', { id: z.id, newName: `${ann.name}` })).code).toBe(
      'account.ACCOUNT_EXISTS',
    );
  });
});

describe('account and mail commands', () => {
  it('NoOp answers at once and refuses wait=1 without a session (mail/NoOp.java)', async () => {
    expect((await usr('NoOpRequest', 'urn:zimbraMail')).el).toEqual({ _jsns: 'urn:zimbraMail' });
    expect((await usr('NoOpRequest', 'urn:zimbraMail', { wait: 1 })).code).toBe('service.INVALID_REQUEST');
  });

  it('account GetVersionInfo is PERM_DENIED while zimbraSoapExposeVersion is FALSE (account/GetVersionInfo.java)', async () => {
    expect((await usr('GetVersionInfoRequest', 'urn:zimbraAccount')).code).toBe('service.PERM_DENIED');
  });

  it('GetPrefs (optionally filtered), GetIdentities, GetWhiteBlackList', async () => {
    const prefs = await usr('GetPrefsRequest', 'urn:zimbraAccount', { pref: [{ name: 'zimbraPrefLocale' }] });
    expect(prefs.el['_attrs']).toEqual({ zimbraPrefLocale: 'en_US' });
    const ids = await usr('GetIdentitiesRequest', 'urn:zimbraAccount');
    expect(ids.el['identity'][0]).toMatchObject({ name: 'DEFAULT', id: ann.id });
    const wb = await usr('GetWhiteBlackListRequest', 'urn:zimbraAccount');
    expect(wb.el).toMatchObject({ whiteList: [{}], blackList: [{}] });
  });

  it('CreateSignature then GetSignatures; duplicate names are SIGNATURE_EXISTS (CreateSignature.java)', async () => {
    const c = await usr('CreateSignatureRequest', 'urn:zimbraAccount', {
      signature: { name: 'work', content: [{ type: 'text/plain', _content: '-- Ann' }] },
    });
    const id = c.el['signature'][0]['id'] as string;
    const all = await usr('GetSignaturesRequest', 'urn:zimbraAccount');
    expect(all.el['signature']).toEqual([{ name: 'work', id, content: [{ type: 'text/plain', _content: '-- Ann' }] }]);
    const dup = await usr('CreateSignatureRequest', 'urn:zimbraAccount', { signature: { name: 'work' } });
    expect(dup.code).toBe('account.SIGNATURE_EXISTS');
    const badType = await usr('CreateSignatureRequest', 'urn:zimbraAccount', {
      signature: { name: 'x', content: [{ type: 'image/png', _content: 'x' }] },
    });
    expect(badType.code).toBe('service.INVALID_REQUEST');
  });

  it('GetPermission and GetRights list no ACEs on an account nobody granted rights', async () => {
    expect((await usr('GetPermissionRequest', 'urn:zimbraMail')).el).toEqual({ _jsns: 'urn:zimbraMail' });
    expect((await usr('GetRightsRequest', 'urn:zimbraAccount')).el).toEqual({ _jsns: 'urn:zimbraAccount' });
  });
});
