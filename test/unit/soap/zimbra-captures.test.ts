// Replay of real Zimbra responses (test/fixtures/zimbra-captures/, sources in the README beside each file)
// through the client's parsers, with exact expectations.
// GetFolderResponseWithGrant.xml: soap/src/java-test/com/zimbra/soap/mail/ in Zimbra/zm-mailbox.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { child } from '../../../src/soap/element.js';
import { GetFolder } from '../../../src/soap/requests/get-folder.js';
import { flattenFolders } from '../../../src/soap/requests/items.js';
import { XmlTransport, SOAP12_NS } from '../../../src/soap/transports/xml.js';

const dir = fileURLToPath(new URL('../../fixtures/zimbra-captures/zm-mailbox/', import.meta.url));

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
});
