import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

type Json = Record<string, any>;
let emu: Emulator;
let adminToken: string;

async function admin(req: Json, token = adminToken): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${emu.adminUrl}/service/admin/soap`, {
    method: 'POST',
    body: JSON.stringify({ Header: { context: { _jsns: 'urn:zimbra', authToken: { _content: token } } }, Body: req }),
  });
  return { status: res.status, json: (await res.json()) as Json };
}
const resp = (r: { json: Json }, name: string): Json => r.json['Body'][name];
const attr = (obj: Json, n: string): string[] =>
  (obj['a'] as Json[]).filter((a) => a['n'] === n).map((a) => a['_content']);

beforeAll(async () => {
  emu = await startEmulator({ waitSetTimeoutClamp: { maxSeconds: 1 } });
  const r = await fetch(`${emu.adminUrl}/service/admin/soap`, {
    method: 'POST',
    body: JSON.stringify({
      Body: { AuthRequest: { _jsns: 'urn:zimbraAdmin', name: emu.adminUser, password: emu.adminPassword } },
    }),
  });
  adminToken = ((await r.json()) as Json)['Body']['AuthResponse']['authToken'][0]['_content'];
});
afterAll(async () => emu.close());

describe('admin provisioning', () => {
  it('refuses admin commands on the mail port and for user tokens', async () => {
    const r = await fetch(`${emu.url}/service/soap`, {
      method: 'POST',
      body: JSON.stringify({ Body: { GetAllDomainsRequest: { _jsns: 'urn:zimbraAdmin' } } }),
    });
    expect(r.status).toBe(500);
    expect(((await r.json()) as Json)['Body']['Fault']['Detail']['Error']['Code']).toBe('service.UNKNOWN_DOCUMENT');
    const wrong = await fetch(`${emu.adminUrl}/service/admin/soap`, {
      method: 'POST',
      body: JSON.stringify({
        Body: { AuthRequest: { _jsns: 'urn:zimbraAdmin', name: emu.adminUser, password: 'nope' } },
      }),
    });
    expect(((await wrong.json()) as Json)['Body']['Fault']['Detail']['Error']['Code']).toBe('account.AUTH_FAILED');
  });

  it('creates domains, COSes, accounts and lists with a[] attributes and zimbraId UUIDs', async () => {
    const d = resp(
      await admin({ CreateDomainRequest: { _jsns: 'urn:zimbraAdmin', name: 'corp.test' } }),
      'CreateDomainResponse',
    );
    expect(d['domain'][0]['name']).toBe('corp.test');
    const cos = resp(
      await admin({
        CreateCosRequest: {
          _jsns: 'urn:zimbraAdmin',
          name: { _content: 'gold' },
          a: [{ n: 'zimbraMailQuota', _content: '1000' }],
        },
      }),
      'CreateCosResponse',
    );
    expect(attr(cos['cos'][0], 'zimbraMailQuota')).toEqual(['1000']);
    const acct = resp(
      await admin({
        CreateAccountRequest: {
          _jsns: 'urn:zimbraAdmin',
          name: 'bo@corp.test',
          password: 'pw',
          a: [{ n: 'zimbraCOSId', _content: cos['cos'][0]['id'] }],
        },
      }),
      'CreateAccountResponse',
    )['account'][0];
    expect(acct['id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(attr(acct, 'zimbraId')).toEqual([acct['id']]);
    expect(attr(acct, 'zimbraMailHost')).toEqual([`mail.example.test`]);
    const dup = await admin({
      CreateAccountRequest: { _jsns: 'urn:zimbraAdmin', name: 'bo@corp.test', password: 'pw' },
    });
    expect(dup.status).toBe(500);
    expect(resp(dup, 'Fault')['Detail']['Error']['Code']).toBe('account.ACCOUNT_EXISTS');
    const nodom = await admin({
      CreateAccountRequest: { _jsns: 'urn:zimbraAdmin', name: 'x@nowhere.test', password: 'pw' },
    });
    expect(resp(nodom, 'Fault')['Detail']['Error']['Code']).toBe('account.NO_SUCH_DOMAIN');
    const dl = resp(
      await admin({ CreateDistributionListRequest: { _jsns: 'urn:zimbraAdmin', name: 'team@corp.test' } }),
      'CreateDistributionListResponse',
    );
    await admin({
      AddDistributionListMemberRequest: {
        _jsns: 'urn:zimbraAdmin',
        id: dl['dl'][0]['id'],
        dlm: [{ _content: 'bo@corp.test' }],
      },
    });
    const got = resp(
      await admin({
        GetDistributionListRequest: { _jsns: 'urn:zimbraAdmin', dl: { by: 'name', _content: 'team@corp.test' } },
      }),
      'GetDistributionListResponse',
    );
    expect(got['dl'][0]['dlm']).toEqual([{ _content: 'bo@corp.test' }]);
    const all = resp(
      await admin({ GetAllDistributionListsRequest: { _jsns: 'urn:zimbraAdmin' } }),
      'GetAllDistributionListsResponse',
    );
    expect(all['dl'].map((x: Json) => x['name'])).toContain('team@corp.test');
    const mod = resp(
      await admin({
        ModifyAccountRequest: { _jsns: 'urn:zimbraAdmin', id: acct['id'], a: [{ n: 'displayName', _content: 'Bo' }] },
      }),
      'ModifyAccountResponse',
    );
    expect(attr(mod['account'][0], 'displayName')).toEqual(['Bo']);
  });

  it('pages SearchDirectory with limit/offset/more/searchTotal and filters attrs', async () => {
    for (let i = 0; i < 5; i++) emu.createAccount(`p${i}@example.test`, 'pw');
    const q = {
      _jsns: 'urn:zimbraAdmin',
      query: '(&(objectClass=zimbraAccount)(uid=p*))',
      types: 'accounts',
      attrs: 'zimbraId,zimbraMailHost',
      limit: 2,
    };
    const p1 = resp(await admin({ SearchDirectoryRequest: { ...q, offset: 0 } }), 'SearchDirectoryResponse');
    expect(p1['account'].map((a: Json) => a['name'])).toEqual(['p0@example.test', 'p1@example.test']);
    expect(p1['more']).toBe(true);
    expect(p1['searchTotal']).toBe(5);
    expect(new Set(p1['account'][0]['a'].map((a: Json) => a['n']))).toEqual(new Set(['zimbraId', 'zimbraMailHost']));
    const p3 = resp(await admin({ SearchDirectoryRequest: { ...q, offset: 4 } }), 'SearchDirectoryResponse');
    expect(p3['account']).toHaveLength(1);
    expect(p3['more']).toBe(false);
  });

  it('lists servers, domains, COSes; GetAccount, GetAccountInfo, GetMailbox', async () => {
    const servers = resp(
      await admin({ GetAllServersRequest: { _jsns: 'urn:zimbraAdmin', service: 'mailbox' } }),
      'GetAllServersResponse',
    )['server'];
    expect(attr(servers[0], 'zimbraServiceHostname')).toEqual(['mail.example.test']);
    expect(attr(servers[0], 'zimbraAdminPort')).toEqual([new URL(emu.adminUrl).port]);
    const domains = resp(await admin({ GetAllDomainsRequest: { _jsns: 'urn:zimbraAdmin' } }), 'GetAllDomainsResponse')[
      'domain'
    ];
    expect(domains.map((d: Json) => d['name'])).toContain('example.test');
    expect(
      resp(await admin({ GetAllCosRequest: { _jsns: 'urn:zimbraAdmin' } }), 'GetAllCosResponse')['cos'].map(
        (c: Json) => c['name'],
      ),
    ).toContain('default');
    const a = emu.createAccount('info@example.test', 'pw');
    const got = resp(
      await admin({ GetAccountRequest: { _jsns: 'urn:zimbraAdmin', account: { by: 'name', _content: a.name } } }),
      'GetAccountResponse',
    );
    expect(got['account'][0]['id']).toBe(a.id);
    const info = resp(
      await admin({ GetAccountInfoRequest: { _jsns: 'urn:zimbraAdmin', account: { by: 'id', _content: a.id } } }),
      'GetAccountInfoResponse',
    );
    // admin/GetAccountInfo.java writes name with addNonUniqueElement: a JSON array
    expect(info['name']).toEqual([{ _content: a.name }]);
    expect(info['soapURL'][0]['_content']).toBe(`${emu.url}/service/soap`);
    emu.deliver(a.name, 'Subject: s\r\n\r\n12345\r\n');
    const mb = resp(
      await admin({ GetMailboxRequest: { _jsns: 'urn:zimbraAdmin', mbox: { id: a.id } } }),
      'GetMailboxResponse',
    );
    expect(typeof mb['mbox'][0]['mbxid']).toBe('number');
    expect(mb['mbox'][0]['s']).toBeGreaterThan(0);
    const missing = await admin({
      GetAccountRequest: { _jsns: 'urn:zimbraAdmin', account: { by: 'name', _content: 'ghost@example.test' } },
    });
    expect(resp(missing, 'Fault')['Detail']['Error']['Code']).toBe('account.NO_SUCH_ACCOUNT');
  });

  it('DelegateAuth echoes the requested lifetime and the token works on the mail port', async () => {
    const a = emu.createAccount('deleg@example.test', 'pw');
    const d = resp(
      await admin({
        DelegateAuthRequest: {
          _jsns: 'urn:zimbraAdmin',
          duration: 86400 * 30,
          account: { by: 'name', _content: a.name },
        },
      }),
      'DelegateAuthResponse',
    );
    expect(d['lifetime']).toBe(86400 * 30 * 1000);
    const r = await fetch(`${emu.url}/service/soap`, {
      method: 'POST',
      body: JSON.stringify({
        Header: { context: { authToken: { _content: d['authToken'][0]['_content'] } } },
        Body: { GetInfoRequest: { _jsns: 'urn:zimbraAccount' } },
      }),
    });
    expect(((await r.json()) as Json)['Body']['GetInfoResponse']['adminDelegated']).toBe(true);
  });
});

describe('admin WaitSets', () => {
  it('creates an allAccounts set, blocks, and signals <a id changeid> with a string seq', async () => {
    const a = emu.createAccount('ws@example.test', 'pw');
    const c = resp(
      await admin({ AdminCreateWaitSetRequest: { _jsns: 'urn:zimbraAdmin', defTypes: 'all', allAccounts: 1 } }),
      'AdminCreateWaitSetResponse',
    );
    expect(c['seq']).toBe('0');
    expect(typeof c['waitSet']).toBe('string');
    const pending = admin({
      AdminWaitSetRequest: { _jsns: 'urn:zimbraAdmin', waitSet: c['waitSet'], seq: '0', block: 1, timeout: 600 },
    });
    await new Promise((r) => setTimeout(r, 50));
    emu.deliver(a.name, 'Subject: w\r\n\r\nx\r\n');
    const w = resp(await pending, 'AdminWaitSetResponse');
    // an all-accounts seq is the redo log's commit id (AllAccountsWaitSet.java, CommitId.java)
    expect(w['seq']).toMatch(/^\d+-\d+-\d+-\d+$/);
    expect(w['a']).toEqual([{ id: a.id, changeid: emu.lastChangeId(a.name) }]);
    const seq = w['seq'] as string;
    // nothing new: the clamped timeout (1 s here) returns the request seq and no accounts
    const t0 = Date.now();
    const idle = resp(
      await admin({
        AdminWaitSetRequest: { _jsns: 'urn:zimbraAdmin', waitSet: c['waitSet'], seq, block: 1, timeout: 600 },
      }),
      'AdminWaitSetResponse',
    );
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(idle['seq']).toBe(seq);
    expect(idle['a']).toBeUndefined();
    const canceled = admin({
      AdminWaitSetRequest: { _jsns: 'urn:zimbraAdmin', waitSet: c['waitSet'], seq, block: 1 },
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = admin({
      AdminWaitSetRequest: { _jsns: 'urn:zimbraAdmin', waitSet: c['waitSet'], seq, block: 0 },
    });
    // canceled="1" and no seq (WaitSetRequest.processCallback sets seq only when completed or timed out)
    const canceledBody = resp(await canceled, 'AdminWaitSetResponse');
    expect(canceledBody['canceled']).toBe(true);
    expect(canceledBody['seq']).toBeUndefined();
    await second;
    resp(
      await admin({ AdminDestroyWaitSetRequest: { _jsns: 'urn:zimbraAdmin', waitSet: c['waitSet'] } }),
      'AdminDestroyWaitSetResponse',
    );
    // a destroyed all-accounts id is rebuilt from seq, not refused (WaitSetMgr.lookupOrCreateForAllAccts)
    const rebuilt = await admin({
      AdminWaitSetRequest: { _jsns: 'urn:zimbraAdmin', waitSet: c['waitSet'], seq, block: 0, defTypes: 'all' },
    });
    expect(rebuilt.status).toBe(200);
    expect(resp(rebuilt, 'AdminWaitSetResponse')['waitSet']).toBe(c['waitSet']);
    // an explicit set is refused once destroyed (WaitSetRequest.java)
    const some = resp(
      await admin({
        AdminCreateWaitSetRequest: { _jsns: 'urn:zimbraAdmin', defTypes: 'all', add: { a: [{ id: a.id }] } },
      }),
      'AdminCreateWaitSetResponse',
    );
    expect(some['waitSet']).toMatch(/^WaitSet-/);
    await admin({ AdminDestroyWaitSetRequest: { _jsns: 'urn:zimbraAdmin', waitSet: some['waitSet'] } });
    const gone = await admin({ AdminWaitSetRequest: { _jsns: 'urn:zimbraAdmin', waitSet: some['waitSet'], seq: '1' } });
    expect(gone.status).toBe(500);
    expect(resp(gone, 'Fault')['Detail']['Error']['Code']).toBe('admin.NO_SUCH_WAITSET');
  });

  it('drops WaitSets on restart but keeps data and tokens', async () => {
    const a = emu.accounts().find((x) => x.name === 'ws@example.test')!;
    const c = resp(
      await admin({
        AdminCreateWaitSetRequest: { _jsns: 'urn:zimbraAdmin', defTypes: 'all', add: { a: [{ id: a.id }] } },
      }),
      'AdminCreateWaitSetResponse',
    );
    const before = emu.accounts().length;
    const url = emu.url;
    await emu.restart();
    expect(emu.url).toBe(url);
    expect(emu.accounts()).toHaveLength(before);
    // a restart closes pooled keep-alive connections: the first reuse may fail, as with a real server
    const req = { AdminWaitSetRequest: { _jsns: 'urn:zimbraAdmin', waitSet: c['waitSet'], seq: '0' } };
    const gone = await admin(req).catch(async () => admin(req));
    expect(resp(gone, 'Fault')['Detail']['Error']['Code']).toBe('admin.NO_SUCH_WAITSET');
  });

  it('rebuilds a lost all-accounts set only from a commit id: seq "0" is service.PARSE_ERROR (CommitId.java)', async () => {
    const c = resp(
      await admin({ AdminCreateWaitSetRequest: { _jsns: 'urn:zimbraAdmin', defTypes: 'all', allAccounts: 1 } }),
      'AdminCreateWaitSetResponse',
    );
    expect(c['waitSet']).toMatch(/^AllWaitSet-/);
    await emu.restart();
    const req = {
      AdminWaitSetRequest: { _jsns: 'urn:zimbraAdmin', waitSet: c['waitSet'], seq: '0', defTypes: 'all', block: 0 },
    };
    const r = await admin(req).catch(async () => admin(req));
    expect(resp(r, 'Fault')['Detail']['Error']['Code']).toBe('service.PARSE_ERROR');
  });
});
