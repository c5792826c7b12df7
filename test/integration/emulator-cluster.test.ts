/**
 * The emulator as a Zimbra cluster: several mailbox servers over one directory. Each behaviour
 * below is the real server's, named by the zm-mailbox source that defines it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

type Json = Record<string, any>;
let emu: Emulator;
let token: string;

async function soap(base: string, body: Json, account?: string): Promise<{ status: number; json: Json }> {
  const context: Json = { _jsns: 'urn:zimbra', authToken: { _content: token } };
  if (account) context['account'] = { by: 'name', _content: account };
  const path = Object.values(body)[0]?._jsns === 'urn:zimbraAdmin' ? '/service/admin/soap' : '/service/soap';
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    body: JSON.stringify({ Header: { context }, Body: body }),
  });
  return { status: res.status, json: (await res.json()) as Json };
}
const fault = (r: { json: Json }): string | undefined => r.json['Body']['Fault']?.['Detail']?.['Error']?.['Code'];
const RAW = 'From: a@example.test\r\nTo: b@example.test\r\nSubject: cluster\r\nMessage-ID: <c1@x>\r\n\r\nhello\r\n';

beforeAll(async () => {
  emu = await startEmulator({ servers: 3, waitSetTimeoutClamp: { maxSeconds: 1 } });
  for (const n of ['ann', 'bob', 'cid', 'dan', 'eve', 'fay']) emu.createAccount(`${n}@example.test`, 'pw');
  const r = await fetch(`${emu.adminUrl}/service/admin/soap`, {
    method: 'POST',
    body: JSON.stringify({
      Body: { AuthRequest: { _jsns: 'urn:zimbraAdmin', name: emu.adminUser, password: emu.adminPassword } },
    }),
  });
  token = ((await r.json()) as Json)['Body']['AuthResponse']['authToken'][0]['_content'];
});
afterAll(async () => emu.close());

const serverOf = (account: string) => emu.servers().find((s) => s.name === emu.homeServer(account))!;
const otherThan = (account: string) => emu.servers().find((s) => s.name !== emu.homeServer(account))!;

describe('emulator cluster', () => {
  it('lists every mailbox server and spreads accounts over them by zimbraMailHost', async () => {
    const servers = emu.servers();
    expect(servers.map((s) => s.name)).toEqual(['mail.example.test', 'mail2.example.test', 'mail3.example.test']);
    expect(new Set(servers.map((s) => s.adminUrl)).size).toBe(3);
    // GetAllServers.java: service=mailbox lists the servers with the mailbox service enabled.
    const r = await soap(emu.adminUrl, { GetAllServersRequest: { _jsns: 'urn:zimbraAdmin', service: 'mailbox' } });
    expect(r.json['Body']['GetAllServersResponse']['server'].map((s: Json) => s['name'])).toEqual(
      servers.map((s) => s.name),
    );
    const homes = new Set(['ann', 'bob', 'cid', 'dan', 'eve', 'fay'].map((n) => emu.homeServer(`${n}@example.test`)));
    expect(homes.size).toBe(3);
  });

  it('proxies a mail request for another server account to its home server (DocumentHandler.proxyIfNecessary)', async () => {
    const acct = 'bob@example.test';
    const id = emu.deliver(acct, RAW);
    const via = otherThan(acct);
    const before = emu.stats.get('GetMsgRequest');
    const r = await soap(via.url, { GetMsgRequest: { _jsns: 'urn:zimbraMail', m: { id: String(id) } } }, acct);
    expect(fault(r)).toBeUndefined();
    expect(r.json['Body']['GetMsgResponse']['m'][0]['su']).toBe('cluster');
    // counted on the server it reached and again on the home server it was proxied to
    expect(emu.stats.get('GetMsgRequest') - before).toBe(2);
  });

  it('proxies REST item downloads to the home server (UserServlet.proxyIfRemoteTargetAccount)', async () => {
    const acct = 'cid@example.test';
    const id = emu.deliver(acct, RAW);
    const via = otherThan(acct);
    const res = await fetch(`${via.adminUrl}/home/${acct}/?id=${id}`, {
      headers: { cookie: `ZM_ADMIN_AUTH_TOKEN=${token}` },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Subject: cluster');
  });

  it('refuses another server account in a WaitSet with WRONG_HOST_FOR_ACCOUNT (WaitSetAccount.java)', async () => {
    const local = 'dan@example.test';
    const remote = emu.servers().map((s) => s.name);
    const home = serverOf(local);
    const foreign = ['ann', 'bob', 'cid', 'eve', 'fay']
      .map((n) => `${n}@example.test`)
      .find((a) => emu.homeServer(a) !== home.name)!;
    const ids = Object.fromEntries(emu.accounts().map((a) => [a.name, a.id]));
    const r = await soap(home.adminUrl, {
      AdminCreateWaitSetRequest: {
        _jsns: 'urn:zimbraAdmin',
        defTypes: 'all',
        add: { a: [{ id: ids[local] }, { id: ids[foreign] }] },
      },
    });
    const body = r.json['Body']['AdminCreateWaitSetResponse'];
    // the attribute is `type` (soap/.../type/IdAndType.java), not the `t` of soap-waitset.txt
    expect(body['error']).toEqual([{ id: ids[foreign], type: 'WRONG_HOST_FOR_ACCOUNT' }]);
    expect(remote.length).toBe(3);
  });

  it('signals a change only on the home server of the account (WaitSets are local, WaitSetMgr.java)', async () => {
    const acct = 'eve@example.test';
    const home = serverOf(acct);
    const other = otherThan(acct);
    const create = async (base: string) =>
      (await soap(base, { AdminCreateWaitSetRequest: { _jsns: 'urn:zimbraAdmin', defTypes: 'all', allAccounts: 1 } }))
        .json['Body']['AdminCreateWaitSetResponse']['waitSet'] as string;
    const wsHome = await create(home.adminUrl);
    const wsOther = await create(other.adminUrl);
    emu.deliver(acct, RAW);
    const wait = async (base: string, ws: string) =>
      (await soap(base, { AdminWaitSetRequest: { _jsns: 'urn:zimbraAdmin', waitSet: ws, seq: '0', timeout: 1 } })).json[
        'Body'
      ]['AdminWaitSetResponse'];
    const ids = Object.fromEntries(emu.accounts().map((a) => [a.name, a.id]));
    expect((await wait(home.adminUrl, wsHome))['a']?.map((a: Json) => a['id'])).toContain(ids[acct]);
    expect((await wait(other.adminUrl, wsOther))['a']).toBeUndefined();
  });

  it('answers service.PROXY_ERROR while the home server is down, and forgets its WaitSets after a restart', async () => {
    const acct = 'fay@example.test';
    const home = serverOf(acct);
    const via = otherThan(acct);
    const ids = Object.fromEntries(emu.accounts().map((a) => [a.name, a.id]));
    // an explicit set: an all-accounts one would be rebuilt after the restart (WaitSetMgr.java)
    const ws = (
      await soap(home.adminUrl, {
        AdminCreateWaitSetRequest: { _jsns: 'urn:zimbraAdmin', defTypes: 'all', add: { a: [{ id: ids[acct] }] } },
      })
    ).json['Body']['AdminCreateWaitSetResponse']['waitSet'];
    await emu.stopServer(home.name);
    expect(emu.servers().find((s) => s.name === home.name)!.running).toBe(false);
    // ServiceException.PROXY_ERROR is a receiver's fault: HTTP 500 with the code.
    const r = await soap(via.url, { GetFolderRequest: { _jsns: 'urn:zimbraMail' } }, acct);
    expect(r.status).toBe(500);
    expect(fault(r)).toBe('service.PROXY_ERROR');
    const rest = await fetch(`${via.adminUrl}/home/${acct}/?id=2`, {
      headers: { cookie: `ZM_ADMIN_AUTH_TOKEN=${token}` },
    });
    expect(rest.status).toBe(500);
    await expect(fetch(`${home.adminUrl}/service/admin/soap`, { method: 'POST', body: '{}' })).rejects.toThrow();
    await emu.startServer(home.name);
    expect((await soap(via.url, { GetFolderRequest: { _jsns: 'urn:zimbraMail' } }, acct)).status).toBe(200);
    const gone = await soap(home.adminUrl, {
      AdminWaitSetRequest: { _jsns: 'urn:zimbraAdmin', waitSet: ws, seq: '0', timeout: 0 },
    });
    expect(fault(gone)).toBe('admin.NO_SUCH_WAITSET');
  });

  it('moves an account: same items on the new server, a new mailbox, new sync tokens', async () => {
    const acct = 'ann@example.test';
    for (let i = 0; i < 5; i++) emu.deliver(acct, RAW.replace('c1@x', `m${i}@x`));
    const id = emu.deliver(acct, RAW, { flags: 'f' });
    const from = serverOf(acct);
    const to = otherThan(acct);
    const before = emu.snapshot(acct);
    const tokenBefore = emu.lastChangeId(acct);
    emu.moveAccount(acct, to.name);
    expect(emu.homeServer(acct)).toBe(to.name);
    expect(from.name).not.toBe(to.name);
    const after = emu.snapshot(acct);
    expect(after.items.map((i) => [i.id, i.type, i.folderId, i.flags])).toEqual(
      before.items.map((i) => [i.id, i.type, i.folderId, i.flags]),
    );
    expect(emu.lastChangeId(acct)).toBeLessThan(tokenBefore);
    const attrs = (
      await soap(emu.adminUrl, {
        GetAccountRequest: { _jsns: 'urn:zimbraAdmin', account: { by: 'name', _content: acct } },
      })
    ).json['Body']['GetAccountResponse']['account'][0]['a'] as Json[];
    expect(attrs.find((a) => a['n'] === 'zimbraMailHost')!['_content']).toBe(to.name);
    // the moved mailbox is served (through a proxy when asked elsewhere) with the same item id
    const r = await soap(from.url, { GetMsgRequest: { _jsns: 'urn:zimbraMail', m: { id: String(id) } } }, acct);
    expect(r.json['Body']['GetMsgResponse']['m'][0]['su']).toBe('cluster');
  });

  it('fetches an upload made on another server when the request is proxied (FileUploadServlet.fetchUpload)', async () => {
    const acct = 'bob@example.test';
    const via = otherThan(acct);
    const up = await fetch(`${via.adminUrl}/service/upload?fmt=raw`, {
      method: 'POST',
      headers: { cookie: `ZM_ADMIN_AUTH_TOKEN=${token}`, 'Content-Type': 'message/rfc822' },
      body: RAW.replace('cluster', 'uploaded'),
    });
    // FileUploadServlet's raw answer: `<status>,'<requestId>','<aid>'`
    const aid = /'([^']*)'\s*$/.exec((await up.text()).trim())![1]!;
    const r = await soap(via.url, { AddMsgRequest: { _jsns: 'urn:zimbraMail', m: { l: '2', aid } } }, acct);
    expect(fault(r)).toBeUndefined();
    expect(emu.snapshot(acct).items.some((i) => i.subject === 'uploaded')).toBe(true);
  });
});
