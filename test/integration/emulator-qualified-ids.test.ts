// Item ids on behalf of another mailbox, as Zimbra writes them:
// - store/src/java/com/zimbra/cs/service/util/ItemIdFormatter.java: ids are formatted against the
//   auth token's account, so an admin acting on a user's mailbox gets "<userZimbraId>:<n>";
// - common/src/java/com/zimbra/common/mailbox/ItemIdentifier.java: the "acct:id[-sub]" form;
// - store/src/java/com/zimbra/soap/ZimbraSoapContext.java: <noqualify/> in the context asks for bare ids;
// - store/src/java/com/zimbra/cs/service/mail/ItemActionHelper.java: ItemAction ignores it (noqualify=false);
// - store/src/java/com/zimbra/cs/service/mail/Sync.java, GetMsgMetadata.java: `ids` lists stay bare.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { Sync, GetMsgMetadata, GetContacts } from '../../src/soap/requests/index.js';

type Json = Record<string, any>;
let emu: Emulator;
let adminToken: string;
let user: { id: string; name: string };
let msgId: number;
let contactId: number;
let syncToken: string;

async function adminSoap(body: Json, opts: { noqualify?: boolean; account?: string } = {}): Promise<Json> {
  const context: Json = { _jsns: 'urn:zimbra', nosession: {}, authToken: { _content: adminToken } };
  if (opts.account) context['account'] = { by: 'id', _content: opts.account };
  if (opts.noqualify) context['noqualify'] = {};
  const res = await fetch(`${emu.adminUrl}/service/admin/soap`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ Header: { context }, Body: body }),
  });
  const json = (await res.json()) as Json;
  return json['Body'];
}

async function adminSoapXml(inner: string, opts: { noqualify?: boolean; account: string }): Promise<Json> {
  const ctx =
    `<context xmlns="urn:zimbra"><authToken>${adminToken}</authToken><nosession/>` +
    `<account by="id">${opts.account}</account>${opts.noqualify ? '<noqualify/>' : ''}</context>`;
  const env = `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Header>${ctx}</soap:Header><soap:Body>${inner}</soap:Body></soap:Envelope>`;
  const res = await fetch(`${emu.adminUrl}/service/admin/soap`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/soap+xml' },
    body: env,
  });
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true }).parse(
    await res.text(),
  );
  return doc.Envelope.Body;
}

beforeAll(async () => {
  emu = await startEmulator();
  user = emu.createAccount('qual@example.test', 'pw-qual-1');
  msgId = emu.deliver(user.name, 'From: a@b.test\r\nSubject: hi\r\n\r\nbody\r\n');
  contactId = emu.addContact(user.name, { firstName: 'Q', email: 'q@b.test' });
  const body = await adminSoap({
    AuthRequest: { _jsns: 'urn:zimbraAdmin', name: emu.adminUser, password: emu.adminPassword },
  });
  adminToken = body['AuthResponse']['authToken'][0]['_content'];
  const init = await adminSoap({ SyncRequest: { _jsns: 'urn:zimbraMail' } }, { account: user.id, noqualify: true });
  syncToken = String(init['SyncResponse']['token']);
});
afterAll(async () => emu.close());

describe('emulator: item ids on behalf of another mailbox (ItemIdFormatter.java)', () => {
  it('qualifies id, l and cid in GetMsgMetadata, GetContacts, Search and a delta Sync; ids lists stay bare', async () => {
    const q = `${user.id}:`;
    const meta = (
      await adminSoap(
        { GetMsgMetadataRequest: { _jsns: 'urn:zimbraMail', m: { ids: String(msgId) } } },
        { account: user.id },
      )
    )['GetMsgMetadataResponse']['m'][0];
    expect(meta['id']).toBe(`${q}${msgId}`);
    expect(meta['l']).toBe(`${q}2`);
    expect(String(meta['cid'])).toMatch(new RegExp(`^${q}-?\\d+$`));

    const cn = (
      await adminSoap(
        { GetContactsRequest: { _jsns: 'urn:zimbraMail', cn: [{ id: String(contactId) }] } },
        { account: user.id },
      )
    )['GetContactsResponse']['cn'][0];
    expect(cn['id']).toBe(`${q}${contactId}`);
    expect(cn['l']).toBe(`${q}7`);

    const hits = (
      await adminSoap(
        { SearchRequest: { _jsns: 'urn:zimbraMail', types: 'message', query: 'in:inbox' } },
        { account: user.id },
      )
    )['SearchResponse']['m'];
    expect(hits.map((h: Json) => h['id'])).toContain(`${q}${msgId}`);

    // a delta: one new message, one deleted
    const fresh = emu.deliver(user.name, 'Subject: new\r\n\r\nx\r\n');
    emu.deleteItem(user.name, msgId);
    const delta = (
      await adminSoap({ SyncRequest: { _jsns: 'urn:zimbraMail', token: syncToken, typed: 1 } }, { account: user.id })
    )['SyncResponse'];
    expect(delta['deleted'][0]['ids']).toBe(String(msgId)); // bare: Sync.java joins raw ids
    expect(delta['deleted'][0]['m'][0]['ids']).toBe(String(msgId));
    expect(delta['m'].map((m: Json) => m['id'])).toContain(`${q}${fresh}`);

    // the initial sync's per-folder id lists are bare, the folder ids are not
    const init = (await adminSoap({ SyncRequest: { _jsns: 'urn:zimbraMail' } }, { account: user.id }))['SyncResponse'];
    const find = (f: Json, name: string): Json | undefined =>
      f['name'] === name ? f : (f['folder'] ?? []).map((c: Json) => find(c, name)).find(Boolean);
    const root = init['folder'][0];
    expect(root['id']).toBe(`${q}11`);
    const userRoot = find(root, 'USER_ROOT')!;
    expect(userRoot['id']).toBe(`${q}1`);
    const inbox = find(root, 'Inbox')!;
    expect(inbox['id']).toBe(`${q}2`);
    expect(inbox['l']).toBe(`${q}1`);
    expect(inbox['m'][0]['ids']).toBe(String(fresh));
  });

  it('answers bare ids under <noqualify/>, except ItemActionResponse (ItemActionHelper.java)', async () => {
    const id = emu.deliver(user.name, 'Subject: act\r\n\r\nx\r\n');
    const meta = (
      await adminSoap(
        { GetMsgMetadataRequest: { _jsns: 'urn:zimbraMail', m: { ids: String(id) } } },
        { account: user.id, noqualify: true },
      )
    )['GetMsgMetadataResponse']['m'][0];
    expect(meta['id']).toBe(String(id));
    expect(meta['l']).toBe('2');
    const act = (
      await adminSoap(
        { MsgActionRequest: { _jsns: 'urn:zimbraMail', action: { op: 'flag', id: String(id) } } },
        { account: user.id, noqualify: true },
      )
    )['MsgActionResponse']['action'];
    expect(act['id']).toBe(`${user.id}:${id}`);
  });

  it('qualifies in XML too, and never on the mailbox of the token itself', async () => {
    const id = emu.deliver(user.name, 'Subject: xml\r\n\r\nx\r\n');
    const xml = await adminSoapXml(
      `<GetMsgMetadataRequest xmlns="urn:zimbraMail"><m ids="${id}"/></GetMsgMetadataRequest>`,
      {
        account: user.id,
      },
    );
    expect(xml.GetMsgMetadataResponse.m['@id']).toBe(`${user.id}:${id}`);
    expect(xml.GetMsgMetadataResponse.m['@l']).toBe(`${user.id}:2`);
    const bare = await adminSoapXml(
      `<GetMsgMetadataRequest xmlns="urn:zimbraMail"><m ids="${id}"/></GetMsgMetadataRequest>`,
      {
        account: user.id,
        noqualify: true,
      },
    );
    expect(bare.GetMsgMetadataResponse.m['@id']).toBe(String(id));

    const ownId = emu.deliver(emu.adminUser, 'Subject: own\r\n\r\nx\r\n');
    const admin = emu.accounts().find((a) => a.name === emu.adminUser)!;
    const own = (
      await adminSoap(
        { GetMsgMetadataRequest: { _jsns: 'urn:zimbraMail', m: { ids: String(ownId) } } },
        { account: admin.id },
      )
    )['GetMsgMetadataResponse']['m'][0];
    expect(own['id']).toBe(String(ownId));
  });
});

describe('client: bare ids whatever the server qualifies (src/soap/qualified-ids.ts)', () => {
  it('reads Sync, GetMsgMetadata and GetContacts with bare ids from an emulator that ignores <noqualify/>', async () => {
    const strict = await startEmulator({ ignoreNoQualify: true });
    const client = new ZimbraClient({ url: strict.url, adminUrl: strict.adminUrl });
    try {
      const u = strict.createAccount('q2@example.test', 'pw-q2-secret');
      const m = strict.deliver(u.name, 'Subject: a\r\n\r\nb\r\n');
      const c = strict.addContact(u.name, { email: 'x@y.test' });
      await client.authAdmin(strict.adminUser, strict.adminPassword);
      for (const account of [u.id, u.name]) {
        const sync = await client.send(Sync, {}, { account });
        expect(JSON.stringify(sync)).not.toContain(`${u.id}:`);
        const meta = await client.send(GetMsgMetadata, { ids: [String(m)] }, { account });
        expect(meta.messages[0]).toMatchObject({ id: String(m), folderId: '2' });
        const cns = await client.send(GetContacts, { ids: [String(c)] }, { account });
        expect(cns.contacts[0]).toMatchObject({ id: String(c), folderId: '7' });
      }
    } finally {
      client.close();
      await strict.close();
    }
  });
});
