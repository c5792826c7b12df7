// Qualified item ids ("<accountId>:<n>[-<sub>]") as common/src/java/com/zimbra/common/mailbox/ItemIdentifier.java
// writes and parses them; which attributes carry them: store/src/java/com/zimbra/cs/service/mail/ToXML.java
// (ItemIdFormatter.formatItemId); ItemActionResponse lists: store/src/java/com/zimbra/cs/service/mail/ItemActionHelper.java.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ZimbraClient } from '../../../src/soap/zimbra-client.js';
import { GetMsgMetadata, ItemAction } from '../../../src/soap/requests/index.js';
import {
  QualifiedIdMismatchError,
  hasQualifiedIds,
  parseItemId,
  unqualifyItemIds,
} from '../../../src/soap/qualified-ids.js';

const A = '3f1c7a52-0d7e-4a36-9b1e-2c5d8e9f0a11';
const B = '9b2e4c61-7a8d-4e3f-8c2b-1d4e5f6a7b22';

describe('parseItemId (ItemIdentifier.java)', () => {
  it('splits account, id, negative conversation ids and subparts', () => {
    expect(parseItemId('257')).toEqual({ accountId: undefined, id: '257' });
    expect(parseItemId(`${A}:257`)).toEqual({ accountId: A, id: '257' });
    expect(parseItemId(`${A}:-258`)).toEqual({ accountId: A, id: '-258' });
    expect(parseItemId(`${A}:257-260`)).toEqual({ accountId: A, id: '257-260' });
  });
});

describe('unqualifyItemIds', () => {
  it('makes ids of the target bare in id, l, cid, calendar ids and comma lists; leaves lists, tags and user data', () => {
    const el = {
      m: [{ id: `${A}:257`, l: `${A}:2`, cid: `${A}:-257`, t: '64,65', su: `${B}:1` }],
      folder: [{ id: `${A}:1`, folder: [{ id: `${A}:2`, l: `${A}:1`, m: [{ ids: '257,258' }] }] }],
      cn: [{ id: `${A}:300`, _attrs: { id: `${B}:4` }, m: [{ type: 'C', value: `${B}:12` }] }],
      action: { id: `${A}:257,${A}:258`, op: 'flag' },
      calItemId: `${A}:400`,
      invId: `${A}:400-401`,
    };
    expect(hasQualifiedIds(el)).toBe(true);
    unqualifyItemIds(el, A.toUpperCase());
    expect(el.m[0]).toEqual({ id: '257', l: '2', cid: '-257', t: '64,65', su: `${B}:1` });
    expect(el.folder[0]).toEqual({ id: '1', folder: [{ id: '2', l: '1', m: [{ ids: '257,258' }] }] });
    expect(el.cn[0]).toEqual({ id: '300', _attrs: { id: `${B}:4` }, m: [{ type: 'C', value: `${B}:12` }] });
    expect(el.action.id).toBe('257,258');
    expect(el.calItemId).toBe('400');
    expect(el.invId).toBe('400-401');
    expect(hasQualifiedIds(el)).toBe(false);
  });

  it('refuses an id of another mailbox with a typed error naming both accounts', () => {
    const el = { m: [{ id: `${A}:257`, l: `${B}:2` }] };
    let caught: unknown;
    try {
      unqualifyItemIds(el, A, 'GetMsgMetadataRequest');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(QualifiedIdMismatchError);
    expect(caught).toMatchObject({ code: 'ZB_PROTOCOL', expectedAccountId: A, actualAccountId: B });
    expect((caught as Error).message).toContain('GetMsgMetadataRequest');
  });
});

describe('ZimbraClient on behalf of a mailbox', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function fakeServer(answer: (body: string) => object): Promise<{ url: string; seen: string[] }> {
    const seen: string[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(body);
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        res.end(JSON.stringify({ Header: { context: { _jsns: 'urn:zimbra' } }, Body: answer(body) }));
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
  }

  it('sends <noqualify/>, reads ids qualified with the target as bare and refuses a foreign one', async () => {
    let owner = A;
    const { url, seen } = await fakeServer((body) =>
      body.includes('MsgActionRequest') || body.includes('ItemActionRequest')
        ? { ItemActionResponse: { _jsns: 'urn:zimbraMail', action: { id: `${owner}:257,${owner}:258`, op: 'flag' } } }
        : {
            GetMsgMetadataResponse: {
              _jsns: 'urn:zimbraMail',
              m: [{ id: `${owner}:257`, l: `${owner}:2`, cid: '-257' }],
            },
          },
    );
    const client = new ZimbraClient({ url, adminUrl: url, retries: 0 });
    client.useAuthToken('tok-admin', { admin: true });
    try {
      const meta = await client.send(GetMsgMetadata, { ids: ['257'] }, { account: A });
      expect(meta.messages[0]).toMatchObject({ id: '257', folderId: '2', conversationId: '-257' });
      expect(JSON.parse(seen[0]!).Header.context.noqualify).toEqual({});
      const act = await client.send(ItemAction, { op: 'flag', ids: ['257', '258'] }, { account: A });
      expect(JSON.stringify(act)).not.toContain(A);
      owner = B;
      await expect(client.send(GetMsgMetadata, { ids: ['257'] }, { account: A })).rejects.toBeInstanceOf(
        QualifiedIdMismatchError,
      );
    } finally {
      client.close();
    }
  });
});
