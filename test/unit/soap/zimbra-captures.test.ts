// Replay of real Zimbra responses (test/fixtures/zimbra-captures/, sources in the README beside each file)
// through the client's parsers, with exact expectations.
// zm-mailbox/*.xml: soap/src/java-test/com/zimbra/soap/mail/ in Zimbra/zm-mailbox (SyncResponse.xml
// is a delta as store/src/java/com/zimbra/cs/service/mail/Sync.java writes it; the GetFolder ones as
// GetFolder.java / ToXML.java encodeFolder write them). carbonio-login-ui/*.json: JSON envelopes of a
// Zimbra 8.8.15 server (its auth token names 8.8.15_GA_3869) kept in Zextras' login UI mocks; the
// fault shape is common/src/java/com/zimbra/common/soap/SoapJSProtocol.java.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { child } from '../../../src/soap/element.js';
import { AuthExpiredError, faultToError, SoapFaultError } from '../../../src/soap/faults.js';
import { Auth } from '../../../src/soap/requests/auth.js';
import { Sync } from '../../../src/soap/requests/sync.js';
import { JsonTransport } from '../../../src/soap/transports/json.js';
import { GetFolder } from '../../../src/soap/requests/get-folder.js';
import { flattenFolders } from '../../../src/soap/requests/items.js';
import { XmlTransport, SOAP12_NS } from '../../../src/soap/transports/xml.js';

const dir = fileURLToPath(new URL('../../fixtures/zimbra-captures/zm-mailbox/', import.meta.url));
const carbonio = fileURLToPath(new URL('../../fixtures/zimbra-captures/carbonio-login-ui/', import.meta.url));

/** The captured response element, inside a SOAP 1.2 envelope as the server sends it. */
function replay(file: string, element: string) {
  const body = readFileSync(dir + file, 'utf8').replace(/^<\?xml[^>]*>/, '');
  const env = new XmlTransport().decode(
    `<soap:Envelope xmlns:soap="${SOAP12_NS}"><soap:Body>${body}</soap:Body></soap:Envelope>`,
  );
  const el = child(env.body, element);
  if (!el) throw new Error(`no ${element} in ${file}`);
  return el;
}

describe('replayed Zimbra captures', () => {
  it('GetFolderResponseWithGrant.xml: the tree, views, counts, flags and the user grant', () => {
    const { root } = GetFolder.parse(replay('GetFolderResponseWithGrant.xml', 'GetFolderResponse'), {});
    expect(root).toMatchObject({ id: '1', name: 'USER_ROOT', parentId: '11', count: 0, size: 0, modifiedSequence: 1 });
    const all = flattenFolders(root);
    expect(all.map((f) => `${f.id}:${f.name}:${f.view ?? ''}`)).toEqual([
      '1:USER_ROOT:',
      '16:Briefcase:document',
      '10:Calendar:appointment',
      '14:Chats:message',
      '7:Contacts:contact',
      '6:Drafts:message',
      '13:Emailed Contacts:contact',
      '2:Inbox:message',
      '4:Junk:message',
      '300:NewFolder:message',
      '5:Sent:message',
      '15:Tasks:task',
      '3:Trash:',
    ]);
    const inbox = all.find((f) => f.id === '2')!;
    expect(inbox).toMatchObject({ flags: 'u', unread: 4, count: 5, size: 13540, parentId: '1', savedSequence: 1 });
    const shared = all.find((f) => f.id === '300')!;
    expect(shared.flags).toBe('i');
    expect(shared.grants).toEqual([
      { d: 'wonder@mc.example.net', zid: '8d0f48ba-644f-4424-b16e-351f873dff59', gt: 'usr', perm: 'rwidx' },
    ]);
  });

  it('SyncResponse.xml: a delta with items, folders carrying id lists, and typed deletes', () => {
    const r = Sync.parse(replay('SyncResponse.xml', 'SyncResponse'), { token: '1200' });
    expect(r).toMatchObject({ initial: false, token: '1244', more: false, root: undefined });
    expect(r.items.map((i) => `${i.type}:${i.id}:${i.folderId ?? ''}:${i.modifiedSequence}`)).toEqual([
      'conversation:1461::1244',
      'message:1463:5:1241',
      'message:1460:2:1242',
      'message:1464:2:1244',
    ]);
    const m1460 = r.items.find((i) => i.id === '1460')!;
    expect(m1460).toMatchObject({
      flags: 'r',
      tagNames: [],
      dateMs: 1384204735000,
      savedSequence: 1236,
      changeDateSeconds: 1384205350,
      conversationId: '1461',
    });
    expect(r.folders.map((f) => `${f.id}:${f.name}:${f.view}:${f.parentId}`)).toEqual([
      '5:Sent:message:1',
      '9:Conversations:conversation:11',
    ]);
    expect(r.folders[0]).toMatchObject({ count: 11, unread: 0, size: 17197, modifiedSequence: 1168, flags: '*' });
    // the typed lists may name ids the top-level list lacks (conversation 999): both are kept
    expect(r.deleted.ids).toEqual(['1455', '578', '1448', '1443', '1451', '1441', '1454', '999']);
    expect(r.deleted.byType).toEqual({
      conversation: ['1455', '999'],
      message: ['578', '1448', '1443', '1451', '1441', '1454'],
    });
  });

  it('GetFolderResponse-SearchFolderEmptyTypes.xml: saved searches among folders, empty types', () => {
    const { root } = GetFolder.parse(replay('GetFolderResponse-SearchFolderEmptyTypes.xml', 'GetFolderResponse'), {});
    const all = flattenFolders(root);
    const searches = all.filter((f) => f.type === 'search');
    expect(searches.map((f) => `${f.id}:${f.name}:${f.query}`)).toEqual([
      '284:Flagged:is:flagged',
      '285:Has Attachment:has:attachment',
      '286:Large:larger:100kb',
      '287:Recent:after:-7d',
      '560:searchfolder-with-empty-types:in:inbox',
      '561:searchfolder-with-types:in:inbox',
      '283:Unread Messages:is:unread',
    ]);
    expect(searches.every((f) => f.parentId === '1')).toBe(true);
    expect(all.find((f) => f.id === '2')).toMatchObject({ count: 222, unread: 222, size: 7579522, flags: 'u' });
    expect(all.find((f) => f.id === '14')).toMatchObject({ name: 'Chats', view: 'message' });
  });

  it('GetFolderResponseWithBadGrant.xml: a grant without grantee type is kept as sent', () => {
    const { root } = GetFolder.parse(replay('GetFolderResponseWithBadGrant.xml', 'GetFolderResponse'), {});
    const shared = flattenFolders(root).find((f) => f.id === '300')!;
    expect(shared.grants).toEqual([
      { d: 'wonder@mc.example.net', zid: '8d0f48ba-644f-4424-b16e-351f873dff59', perm: 'rwidx' },
    ]);
  });

  it('carbonio-login-ui AuthResponse.json (8.8.15, JSON): token, lifetime, CSRF token, change header', () => {
    const env = new JsonTransport().decode(readFileSync(carbonio + 'AuthResponse.json', 'utf8'));
    expect(child(child(env.header, 'context'), 'change')).toEqual({ token: 32929 });
    const r = Auth.parse(child(env.body, 'AuthResponse')!, {} as never);
    expect(r.lifetimeMs).toBe(36000000);
    expect(r.authToken.reveal()).toMatch(/^0_bce951abeb9bcbfb4636a421102b961e5dc0a4cd_69643d/);
    expect(r.csrfToken?.reveal()).toBe('0_4a4f18e6bf626bdeb86ad966b4579a2995479def');
    expect(r.refer).toBeUndefined();
  });

  it('carbonio-login-ui AuthFailedFault.json (8.8.15, JSON): the fault becomes a typed error with code, reason, trace', () => {
    const env = new JsonTransport().decode(readFileSync(carbonio + 'AuthFailedFault.json', 'utf8'));
    const err = faultToError(child(env.body, 'Fault')!, { request: 'AuthRequest' });
    expect(err).toBeInstanceOf(SoapFaultError);
    expect(err).not.toBeInstanceOf(AuthExpiredError); // a wrong password is not an expired token
    expect(err.faultCode).toBe('account.AUTH_FAILED');
    expect(err.senderOrReceiver).toBe('Sender');
    expect(err.message).toBe('account.AUTH_FAILED: authentication failed for [asd]');
    expect(err.trace).toBe('qtp366590980-155736:1618483353424:124048f45be83bed');
    expect(err.args).toEqual([]);
  });
});
