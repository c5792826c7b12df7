import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

type Json = Record<string, any>;
let emu: Emulator;
let token: string;
const USER = 'ann@example.test';

async function soap(
  body: Json,
  opts: { token?: string; account?: string; url?: string } = {},
): Promise<{ status: number; ct: string | null; json: Json }> {
  const context: Json = { _jsns: 'urn:zimbra', nosession: {} };
  if (opts.token) context['authToken'] = { _content: opts.token };
  if (opts.account) context['account'] = { by: 'name', _content: opts.account };
  const res = await fetch(opts.url ?? `${emu.url}/service/soap`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ Header: { context }, Body: body }),
  });
  return { status: res.status, ct: res.headers.get('content-type'), json: (await res.json()) as Json };
}

const body = (r: { json: Json }, name: string): Json => r.json['Body'][name];

beforeAll(async () => {
  emu = await startEmulator();
  emu.createAccount(USER, 'secret', { displayName: 'Ann' });
  const r = await soap({
    AuthRequest: {
      _jsns: 'urn:zimbraAccount',
      account: { by: 'name', _content: USER },
      password: { _content: 'secret' },
    },
  });
  token = body(r, 'AuthResponse')['authToken'][0]['_content'];
});
afterAll(async () => emu.close());

describe('JSON SOAP envelope', () => {
  it('answers AuthRequest with an authToken array, a numeric lifetime and text/javascript', async () => {
    const r = await soap({
      AuthRequest: {
        _jsns: 'urn:zimbraAccount',
        account: { by: 'name', _content: USER },
        password: { _content: 'secret' },
      },
    });
    expect(r.status).toBe(200);
    expect(r.ct).toBe('text/javascript; charset=utf-8');
    expect(r.json['_jsns']).toBe('urn:zimbraSoap');
    const a = body(r, 'AuthResponse');
    expect(a['_jsns']).toBe('urn:zimbraAccount');
    expect(Array.isArray(a['authToken'])).toBe(true);
    expect(a['authToken'][0]['_content']).toMatch(/^0_[0-9a-f]{40}_[0-9a-f]+$/);
    expect(a['lifetime']).toBe(2 * 24 * 3600 * 1000);
  });

  it('sets the ZM_AUTH_TOKEN cookie on AuthResponse, and the cookie alone authenticates', async () => {
    const res = await fetch(`${emu.url}/service/soap`, {
      method: 'POST',
      body: JSON.stringify({
        Body: {
          AuthRequest: {
            _jsns: 'urn:zimbraAccount',
            account: { by: 'name', _content: USER },
            password: { _content: 'secret' },
          },
        },
      }),
    });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^ZM_AUTH_TOKEN=0_[0-9a-f]+_[0-9a-f]+;/);
    const r = await fetch(`${emu.url}/service/soap`, {
      method: 'POST',
      headers: { Cookie: cookie.split(';')[0]! },
      body: JSON.stringify({ Body: { GetInfoRequest: { _jsns: 'urn:zimbraAccount' } } }),
    });
    expect(((await r.json()) as Json)['Body']['GetInfoResponse']['name']).toBe(USER);
  });

  it('returns account.AUTH_FAILED as HTTP 500 in the SoapJSProtocol fault shape', async () => {
    const r = await soap({
      AuthRequest: {
        _jsns: 'urn:zimbraAccount',
        account: { by: 'name', _content: USER },
        password: { _content: 'wrong' },
      },
    });
    expect(r.status).toBe(500);
    expect(r.ct).toBe('text/javascript; charset=utf-8');
    const f = body(r, 'Fault');
    expect(f['Code']).toEqual({ Value: 'soap:Sender' });
    expect(f['Reason']).toEqual({ Text: `authentication failed for [${USER}]` });
    expect(f['Detail']['Error']['Code']).toBe('account.AUTH_FAILED');
    expect(f['Detail']['Error']['_jsns']).toBe('urn:zimbra');
    expect(typeof f['Detail']['Error']['Trace']).toBe('string');
  });

  it('requires a token (AUTH_REQUIRED) and rejects a garbled one', async () => {
    const r = await soap({ SyncRequest: { _jsns: 'urn:zimbraMail' } });
    expect(r.status).toBe(500);
    expect(body(r, 'Fault')['Detail']['Error']['Code']).toBe('service.AUTH_REQUIRED');
    const r2 = await soap({ SyncRequest: { _jsns: 'urn:zimbraMail' } }, { token: token.slice(0, -4) + 'abcd' });
    expect(body(r2, 'Fault')['Detail']['Error']['Code']).toBe('service.AUTH_REQUIRED');
  });

  it('reports the mailbox change id in the response context', async () => {
    const r = await soap({ GetInfoRequest: { _jsns: 'urn:zimbraAccount' } }, { token });
    expect(r.json['Header']['context']['change']['token']).toBe(emu.lastChangeId(USER));
    expect(body(r, 'GetInfoResponse')['name']).toBe(USER);
  });
});

describe('SyncRequest over JSON', () => {
  it('does an initial sync (numeric token, nested tree, id lists) and a typed delta (string token, deletes first)', async () => {
    const a = emu.deliver(USER, 'From: Bob <bob@x.test>\r\nSubject: one\r\n\r\nhello\r\n', {
      flags: 'u',
      tags: ['work'],
    });
    const b = emu.deliver(USER, 'Subject: two\r\n\r\nhello\r\n', { folderPath: '/Inbox/Lists' });
    const init = body(await soap({ SyncRequest: { _jsns: 'urn:zimbraMail' } }, { token }), 'SyncResponse');
    expect(typeof init['token']).toBe('number');
    expect(typeof init['md']).toBe('number');
    expect(init['md']).toBeLessThan(1e11); // seconds
    const root = init['folder'][0];
    expect(root['id']).toBe('11');
    const userRoot = root['folder'].find((f: Json) => f['id'] === '1');
    const inbox = userRoot['folder'].find((f: Json) => f['id'] === '2');
    expect(inbox['m']).toEqual([{ ids: String(a) }]);
    expect(inbox['folder'][0]['name']).toBe('Lists');
    expect(inbox['folder'][0]['m']).toEqual([{ ids: String(b) }]);
    const tags = root['folder'].find((f: Json) => f['id'] === '8');
    expect(tags['tag'][0]).toMatchObject({ name: 'work', n: 1, u: 1 });

    emu.setFlags(USER, a, 'f');
    emu.deleteItem(USER, b);
    const c = emu.deliver(USER, 'Subject: three\r\n\r\nx\r\n');
    const d = body(
      await soap({ SyncRequest: { _jsns: 'urn:zimbraMail', token: String(init['token']), typed: 1 } }, { token }),
      'SyncResponse',
    );
    expect(typeof d['token']).toBe('string');
    expect(Object.keys(d).indexOf('deleted')).toBeLessThan(Object.keys(d).indexOf('m'));
    expect(d['deleted']).toEqual([{ ids: String(b), m: [{ ids: String(b) }] }]);
    const byId = new Map(d['m'].map((m: Json) => [m['id'], m]));
    const changed = byId.get(String(a)) as Json;
    expect(changed).toMatchObject({ id: String(a), l: '2', f: 'f', tn: 'work', cid: String(-a) });
    expect(typeof changed['rev']).toBe('number');
    expect(typeof changed['d']).toBe('number');
    const created = byId.get(String(c)) as Json;
    expect(created).toEqual({
      id: String(c),
      l: '2',
      cid: String(-c),
      d: created['d'],
      rev: created['rev'],
      md: created['md'],
      ms: created['ms'],
    });
    expect(created['f']).toBeUndefined();
  });

  it('pages with changeLimit: more is a boolean and the token compound', async () => {
    const start = body(
      await soap({ SyncRequest: { _jsns: 'urn:zimbraMail', token: String(emu.lastChangeId(USER)) } }, { token }),
      'SyncResponse',
    )['token'];
    for (let i = 0; i < 3; i++) emu.deliver(USER, `Subject: p${i}\r\n\r\nx\r\n`);
    const p1 = body(
      await soap({ SyncRequest: { _jsns: 'urn:zimbraMail', token: start, changeLimit: 2 } }, { token }),
      'SyncResponse',
    );
    expect(p1['more']).toBe(true);
    expect(p1['m']).toHaveLength(2);
    expect(p1['token']).toMatch(/^\d+-\d+:d\d+$/);
    const p2 = body(
      await soap({ SyncRequest: { _jsns: 'urn:zimbraMail', token: p1['token'], changeLimit: 2 } }, { token }),
      'SyncResponse',
    );
    expect(p2['more']).toBeUndefined();
    expect(p2['m']).toHaveLength(1);
  });

  it('answers a malformed token with service.INVALID_REQUEST and an expired one with mail.MUST_RESYNC', async () => {
    const bad = await soap({ SyncRequest: { _jsns: 'urn:zimbraMail', token: 'x1' } }, { token });
    expect(bad.status).toBe(500);
    expect(body(bad, 'Fault')['Detail']['Error']['Code']).toBe('service.INVALID_REQUEST');
    expect(body(bad, 'Fault')['Reason']['Text']).toContain('malformed sync token: x1');
    const t = String(emu.lastChangeId(USER));
    const id = emu.deliver(USER, 'Subject: z\r\n\r\nx\r\n');
    emu.deleteItem(USER, id);
    emu.expireTombstones(USER);
    const old = await soap({ SyncRequest: { _jsns: 'urn:zimbraMail', token: t } }, { token });
    expect(body(old, 'Fault')['Detail']['Error']['Code']).toBe('mail.MUST_RESYNC');
  });
});

describe('mail readers and writers', () => {
  it('creates folders, tags, messages and contacts with Zimbra request/response shapes', async () => {
    const f = body(
      await soap(
        { CreateFolderRequest: { _jsns: 'urn:zimbraMail', folder: { name: 'Restored', l: '1', view: 'message' } } },
        { token },
      ),
      'CreateFolderResponse',
    );
    expect(f['folder'][0]).toMatchObject({ name: 'Restored', l: '1', view: 'message', absFolderPath: '/Restored' });
    const again = body(
      await soap(
        { CreateFolderRequest: { _jsns: 'urn:zimbraMail', folder: { name: 'Restored', l: '1', fie: 1 } } },
        { token },
      ),
      'CreateFolderResponse',
    );
    expect(again['folder'][0]['id']).toBe(f['folder'][0]['id']);
    const dup = await soap(
      { CreateFolderRequest: { _jsns: 'urn:zimbraMail', folder: { name: 'Restored', l: '1' } } },
      { token },
    );
    expect(body(dup, 'Fault')['Detail']['Error']['Code']).toBe('mail.ALREADY_EXISTS');

    const tag = body(
      await soap({ CreateTagRequest: { _jsns: 'urn:zimbraMail', tag: { name: 'vip', color: 3 } } }, { token }),
      'CreateTagResponse',
    );
    expect(tag['tag'][0]).toMatchObject({ name: 'vip', color: 3 });

    const add = body(
      await soap(
        {
          AddMsgRequest: {
            _jsns: 'urn:zimbraMail',
            m: {
              l: f['folder'][0]['id'],
              f: 'su',
              tn: 'vip',
              d: 1700000000000,
              content: { _content: 'Subject: r\r\n\r\nrestored\r\n' },
            },
          },
        },
        { token },
      ),
      'AddMsgResponse',
    );
    expect(add['m'][0]).toMatchObject({ l: f['folder'][0]['id'], f: 'su', tn: 'vip', d: 1700000000000 });
    expect(typeof add['m'][0]['id']).toBe('string');
    const meta = body(
      await soap({ GetMsgMetadataRequest: { _jsns: 'urn:zimbraMail', m: { ids: add['m'][0]['id'] } } }, { token }),
      'GetMsgMetadataResponse',
    );
    expect(meta['m'][0]['s']).toBe(Buffer.byteLength('Subject: r\r\n\r\nrestored\r\n'));

    const cn = body(
      await soap(
        {
          CreateContactRequest: {
            _jsns: 'urn:zimbraMail',
            cn: {
              a: [
                { n: 'firstName', _content: 'Zed' },
                { n: 'email', _content: 'zed@x.test' },
              ],
            },
          },
        },
        { token },
      ),
      'CreateContactResponse',
    );
    expect(cn['cn'][0]['_attrs']).toEqual({ firstName: 'Zed', email: 'zed@x.test' });
    expect(cn['cn'][0]['l']).toBe('7');
    const got = body(
      await soap({ GetContactsRequest: { _jsns: 'urn:zimbraMail', cn: [{ id: cn['cn'][0]['id'] }] } }, { token }),
      'GetContactsResponse',
    );
    expect(got['cn'][0]['_attrs']['email']).toBe('zed@x.test');
  });

  it('applies ItemAction ops and returns mail.NO_SUCH_ITEM with an itemId argument', async () => {
    const id = emu.deliver(USER, 'Subject: act\r\n\r\nx\r\n', { flags: 'u' });
    const r = body(
      await soap({ ItemActionRequest: { _jsns: 'urn:zimbraMail', action: { id: String(id), op: 'read' } } }, { token }),
      'ItemActionResponse',
    );
    expect(r['action']).toEqual({ id: String(id), op: 'read' });
    const before = emu.lastChangeId(USER);
    await soap(
      {
        ItemActionRequest: {
          _jsns: 'urn:zimbraMail',
          action: { id: String(id), op: 'update', f: 'f', tn: 'a,b', l: '3' },
        },
      },
      { token },
    );
    const snap = emu.snapshot(USER).items.find((i) => i.id === id)!;
    expect(snap).toMatchObject({ flags: 'f', tags: ['a', 'b'], folderId: 3 });
    // op=update is one change: folder, flags and tags (and the new tags) take a single change id
    expect(emu.lastChangeId(USER)).toBe(before + 1);
    expect(snap.modifiedSequence).toBe(before + 1);
    const missing = await soap(
      { ItemActionRequest: { _jsns: 'urn:zimbraMail', action: { id: '99999', op: 'delete' } } },
      { token },
    );
    expect(body(missing, 'Fault')['Detail']['Error']).toMatchObject({
      Code: 'mail.NO_SUCH_ITEM',
      a: [{ n: 'itemId', t: 'IID', _content: '99999' }],
    });
  });

  it('runs BatchRequest members with requestId echo and per-member faults at HTTP 200', async () => {
    const r = await soap(
      {
        BatchRequest: {
          _jsns: 'urn:zimbra',
          onerror: 'continue',
          GetTagRequest: [{ _jsns: 'urn:zimbraMail', requestId: '1' }],
          GetMsgRequest: [{ _jsns: 'urn:zimbraMail', requestId: '2', m: { id: '424242' } }],
        },
      },
      { token },
    );
    expect(r.status).toBe(200);
    const b = body(r, 'BatchResponse');
    expect(b['_jsns']).toBe('urn:zimbra');
    expect(b['GetTagResponse'][0]['requestId']).toBe('1');
    expect(b['Fault'][0]['requestId']).toBe('2');
    expect(b['Fault'][0]['Detail']['Error']['Code']).toBe('mail.NO_SUCH_MSG');
  });

  it('serves mail commands on the admin port with an admin token and an account header', async () => {
    const admin = body(
      await soap(
        { AuthRequest: { _jsns: 'urn:zimbraAdmin', name: emu.adminUser, password: emu.adminPassword } },
        { url: `${emu.adminUrl}/service/admin/soap` },
      ),
      'AuthResponse',
    );
    const r = await soap(
      { SyncRequest: { _jsns: 'urn:zimbraMail' } },
      { url: `${emu.adminUrl}/service/admin/soap`, token: admin['authToken'][0]['_content'], account: USER },
    );
    expect(r.status).toBe(200);
    expect(body(r, 'SyncResponse')['token']).toBe(emu.lastChangeId(USER));
    const denied = await soap({ SyncRequest: { _jsns: 'urn:zimbraMail' } }, { token, account: emu.adminUser });
    expect(body(denied, 'Fault')['Detail']['Error']['Code']).toBe('service.PERM_DENIED');
  });
});
