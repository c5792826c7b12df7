import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/internal/secret.js';
import { AddMsg } from '../../../src/soap/requests/add-msg.js';
import { AdminWaitSet } from '../../../src/soap/requests/admin-wait-set.js';
import { Auth, AdminAuth } from '../../../src/soap/requests/auth.js';
import { CreateContact } from '../../../src/soap/requests/create-contact.js';
import { GetAccount } from '../../../src/soap/requests/get-account.js';
import { GetContacts } from '../../../src/soap/requests/get-contacts.js';
import { requests } from '../../../src/soap/requests/index.js';
import { SearchDirectory } from '../../../src/soap/requests/search-directory.js';
import { Sync } from '../../../src/soap/requests/sync.js';
import type { AnySoapRequestDefinition } from '../../../src/soap/requests/definition.js';
import { bodyElement } from './fixtures.js';

/** Parses `<fixture>.json` and `<fixture>.xml` with `def` and checks both give the same result. */
function both(def: AnySoapRequestDefinition, fixtureName: string, params: unknown = {}): unknown {
  const resp = def.name.replace(/Request$/, 'Response');
  const j = def.parse(bodyElement(`${fixtureName}.json`, resp), params);
  const x = def.parse(bodyElement(`${fixtureName}.xml`, resp), params);
  expect(x).toEqual(j);
  return j;
}

describe('request parsers (JSON and XML give identical results)', () => {
  it('AuthResponse: token as a Secret, lifetime as a number', () => {
    const r = both(Auth, 'auth-response') as { authToken: Secret; lifetimeMs: number };
    expect(r.authToken).toBeInstanceOf(Secret);
    expect(r.authToken.reveal()).toMatch(/^0_bce951ab/);
    expect(String(r.authToken)).toBe('**redacted**');
    expect(JSON.stringify(r)).not.toContain('0_bce951ab');
    expect(r.lifetimeMs).toBe(36_000_000);
  });

  it('initial SyncResponse: number token surfaces as a string; tree, id lists, tags', () => {
    const r = both(Sync, 'sync-initial', {}) as import('../../../src/soap/requests/sync.js').SyncResult;
    expect(r.initial).toBe(true);
    expect(r.token).toBe('403');
    expect(r.changeDateSeconds).toBe(1077924283);
    expect(r.mailboxSize).toBe(78624627);
    expect(r.more).toBe(false);
    expect(r.root?.id).toBe('11');
    const inbox = r.folders.find((f) => f.id === '2')!;
    expect(inbox).toMatchObject({
      name: 'Inbox',
      parentId: '1',
      folderId: '1',
      unread: 199,
      count: 3,
      view: 'message',
      modifiedSequence: 400,
      savedSequence: 1,
      revision: 1,
      absFolderPath: '/Inbox',
    });
    expect(inbox.itemIds).toEqual({ message: ['399', '461', '420'] });
    expect(r.folders.find((f) => f.id === '7')!.itemIds).toEqual({ contact: ['500'] });
    expect(r.folders.find((f) => f.id === '9')!.itemIds).toEqual({ conversation: ['912', '914'] });
    expect(r.folders.find((f) => f.id === '300')!.flags).toBe('');
    expect(r.tags).toEqual([expect.objectContaining({ id: '64', name: 'zimbra', color: 7, modifiedSequence: 20 })]);
    expect(r.folders.map((f) => f.id)).toEqual(['11', '9', '8', '1', '2', '7', '300']);
    expect(r.items).toEqual([]);
  });

  it('delta SyncResponse: typed deletes, folders, tags, created vs modified items, more', () => {
    const r = both(Sync, 'sync-delta', { token: '500' }) as import('../../../src/soap/requests/sync.js').SyncResult;
    expect(r).toMatchObject({ initial: false, token: '521', more: true, changeDateSeconds: 1078054298 });
    expect(r.deleted.ids).toEqual(['903', '904', '905', '906']);
    expect(r.deleted.byType).toEqual({ folder: ['903'], message: ['904', '906'], conversation: ['905'] });
    expect(r.folders).toEqual([
      expect.objectContaining({ id: '663', name: 'new name', parentId: '1', modifiedSequence: 520 }),
    ]);
    expect(r.tags.map((t) => t.name)).toEqual(['work']);
    const created = r.items.find((i) => i.id === '5526')!;
    expect(created).toEqual({
      type: 'message',
      id: '5526',
      folderId: '2',
      dateMs: 1078024182000,
      conversationId: '5521',
      savedSequence: 503,
      revision: 503,
      changeDateSeconds: 1078054265,
      modifiedSequence: 503,
    });
    const modified = r.items.find((i) => i.id === '5522')!;
    expect(modified).toMatchObject({ flags: 'u', tagIds: [], tagNames: [], modifiedSequence: 519, savedSequence: 400 });
    // An older server's created item: strings for numbers, no d/cid.
    expect(r.items.find((i) => i.id === '1464')).toEqual({
      type: 'message',
      id: '1464',
      folderId: '2',
      savedSequence: 1244,
      revision: 1244,
      changeDateSeconds: 1078054000,
      modifiedSequence: 1244,
    });
    expect(r.items.find((i) => i.id === '5531')!.type).toBe('contact');
  });

  it('GetAccountResponse: a[] attributes with multi-values; pd="1" left out', () => {
    const r = both(GetAccount, 'get-account') as { id: string; name: string; attrs: Record<string, unknown> };
    expect(r).toEqual({
      id: '6f0b1c2d-0000-4000-8000-000000000001',
      name: 'user@example.com',
      attrs: {
        zimbraId: '6f0b1c2d-0000-4000-8000-000000000001',
        zimbraMailHost: 'mbx1.example.com',
        zimbraMailAlias: ['u1@example.com', 'u2@example.com'],
      },
    });
  });

  it('GetContactsResponse: _attrs (JSON) and <a n> (XML) read the same', () => {
    const r = both(GetContacts, 'get-contacts') as {
      contacts: Array<{ attrs: unknown; fileAs: string; flags: string }>;
    };
    expect(r.contacts[0]).toMatchObject({
      id: '500',
      folderId: '7',
      flags: '',
      fileAs: 'Doe, Ann',
      attrs: { firstName: 'Ann', email2: ['a2@example.com', 'a3@example.com'] },
    });
  });

  it('AdminWaitSetResponse: signals with changeid and errors', () => {
    const r = both(AdminWaitSet, 'admin-wait-set', { waitSetId: 'ws-1', sequence: '3' });
    expect(r).toEqual({
      waitSetId: 'ws-1',
      sequence: '7',
      canceled: false,
      signals: [
        { id: '6f0b1c2d-0000-4000-8000-000000000001', changeId: 1312 },
        { id: '6f0b1c2d-0000-4000-8000-000000000002', changeId: 88 },
      ],
      errors: [{ id: '6f0b1c2d-0000-4000-8000-000000000003', type: 'WRONG_HOST_FOR_ACCOUNT' }],
    });
  });

  it('a timed-out AdminWaitSet echoes the request sequence', () => {
    expect(AdminWaitSet.parse({ waitSet: 'ws-1' }, { waitSetId: 'ws-1', sequence: '9' })).toMatchObject({
      sequence: '9',
      signals: [],
      canceled: false,
    });
    expect(
      AdminWaitSet.parse({ waitSet: 'ws-1', seq: '9', canceled: true }, { waitSetId: 'ws-1', sequence: '9' }).canceled,
    ).toBe(true);
    expect(AdminWaitSet.minTimeoutMs!({ waitSetId: 'w', sequence: '1', timeoutSeconds: 60 })).toBe(90_000);
  });

  it('SearchDirectoryResponse: accounts, more, total', () => {
    const r = both(SearchDirectory, 'search-directory') as { accounts: unknown[]; more: boolean; searchTotal: number };
    expect(r.accounts).toHaveLength(2);
    expect(r.more).toBe(true);
    expect(r.searchTotal).toBe(3);
  });

  it('AddMsgResponse: the new message', () => {
    expect(both(AddMsg, 'add-msg', { folderId: '2', uploadId: 'x' })).toMatchObject({
      id: '1301',
      folderId: '2',
      flags: 'su',
      tagNames: ['work', 'important'],
      size: 1234,
      conversationId: '-1301',
      modifiedSequence: 1301,
    });
  });
});

describe('request builders', () => {
  it('Sync: no token on initial; token string and typed on delta', () => {
    expect(Sync.build({})).toEqual({ typed: 1 });
    expect(Sync.build({ token: '1299-5530:d1400', changeLimit: 100, deleteLimit: 50 })).toEqual({
      typed: 1,
      token: '1299-5530:d1400',
      changeLimit: 100,
      deleteLimit: 50,
    });
  });

  it('Auth: account selector and password element; admin uses attributes', () => {
    expect(Auth.build({ account: 'u@example.com', password: new Secret('pw') })).toEqual({
      account: { by: 'name', _content: 'u@example.com' },
      password: { _content: 'pw' },
    });
    expect(AdminAuth.build({ name: 'admin@x', password: 'pw' })).toEqual({ name: 'admin@x', password: 'pw' });
  });

  it('CreateContact sends a[{n,_content}] (not _attrs)', () => {
    expect(CreateContact.build({ attrs: { firstName: 'Ann', email: ['a@x', 'b@x'] }, folderId: '7' })).toEqual({
      verbose: 1,
      cn: {
        l: '7',
        a: [
          { n: 'firstName', _content: 'Ann' },
          { n: 'email', _content: 'a@x' },
          { n: 'email', _content: 'b@x' },
        ],
      },
    });
  });

  it('AddMsg needs exactly one of uploadId and content', () => {
    expect(() => AddMsg.build({ folderId: '2' })).toThrow(expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }));
    expect(AddMsg.build({ folderId: '2', uploadId: 's:u', flags: 'u', tagNames: ['a', 'b'], dateMs: 5 })).toEqual({
      m: { l: '2', f: 'u', tn: 'a,b', d: 5, aid: 's:u' },
    });
  });

  it('Batch tags members with requestId and maps member faults by requestId', () => {
    const members = [
      { def: requests.GetFolder, params: {} },
      { def: requests.GetFolder, params: { folderId: '9' } },
      { def: requests.GetTag, params: {} },
    ];
    expect(requests.Batch.build({ members })).toEqual({
      onerror: 'continue',
      GetFolderRequest: [
        { _jsns: 'urn:zimbraMail', requestId: '0' },
        { folder: { l: '9' }, _jsns: 'urn:zimbraMail', requestId: '1' },
      ],
      GetTagRequest: [{ _jsns: 'urn:zimbraMail', requestId: '2' }],
    });
    const r = requests.Batch.parse(
      {
        GetFolderResponse: [{ requestId: '0', folder: [{ id: '1', name: 'USER_ROOT' }] }],
        Fault: [
          {
            requestId: '1',
            Code: { Value: 'soap:Sender' },
            Reason: { Text: 'no such folder id: 9' },
            Detail: { Error: { Code: 'mail.NO_SUCH_FOLDER' } },
          },
        ],
      },
      { members },
    );
    expect(r.results[0]).toMatchObject({ ok: true, value: { root: { id: '1' } } });
    expect(r.results[1]).toMatchObject({
      ok: false,
      error: { faultCode: 'mail.NO_SUCH_FOLDER', data: { requestId: '1' } },
    });
    expect(r.results[2]).toMatchObject({ ok: false, error: { code: 'ZB_PROTOCOL' } });
  });

  it('the registry lists one definition per request with a namespace', () => {
    const defs = Object.values(requests);
    expect(defs.length).toBeGreaterThanOrEqual(35);
    for (const d of defs) {
      expect(d.name).toMatch(/Request$/);
      expect(d.namespace).toMatch(/^urn:zimbra/);
    }
  });

  it('malformed responses give ZB_PROTOCOL, not TypeErrors', () => {
    expect(() => Sync.parse({ md: 1 }, {})).toThrow(expect.objectContaining({ code: 'ZB_PROTOCOL' }));
    expect(() => GetAccount.parse({ account: [{ name: 'x' }] }, { account: 'x@y' })).toThrow(
      expect.objectContaining({ code: 'ZB_PROTOCOL' }),
    );
    expect(() => AddMsg.parse({}, { folderId: '2', uploadId: 'a' })).toThrow(
      expect.objectContaining({ code: 'ZB_PROTOCOL' }),
    );
  });
});
