/**
 * Folder shares through FolderActionRequest op=grant / !grant / revokeorphangrants, and the ACL
 * GetFolder answers. Pinned to store/src/java/com/zimbra/cs/service/mail/FolderAction.java,
 * mailbox/ACL.java (stringToRights, stringToType) and service/mail/ToXML.java (encodeACL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { rawJson, rawLogin } from './raw-soap.js';

let emu: Emulator;
let token: string;
let folderId: number;
let subId: number;
let bob: { id: string; name: string };
const OWNER = 'owner@example.test';
const call = (name: string, req: Record<string, unknown>) =>
  rawJson(`${emu.url}/service/soap`, name, 'urn:zimbraMail', req, token);
const grant = (g: Record<string, unknown>, id = folderId) =>
  call('FolderActionRequest', { action: { op: 'grant', id: String(id), grant: g } });
async function folder(id = folderId): Promise<Record<string, any>> {
  const r = await call('GetFolderRequest', { folder: { l: String(id) }, depth: 0 });
  return r.el['folder'][0] as Record<string, any>;
}

beforeAll(async () => {
  emu = await startEmulator();
  emu.createAccount(OWNER, 'pw');
  bob = emu.createAccount('bob@example.test', 'pw');
  emu.createDistributionList('team@example.test', ['bob@example.test']);
  folderId = emu.createFolder(OWNER, '/Shared');
  subId = emu.createFolder(OWNER, '/Shared/Deep');
  token = await rawLogin(`${emu.url}/service/soap`, false, OWNER, 'pw');
});
afterAll(async () => emu.close());

describe('FolderAction grants', () => {
  it('grants a user by name, answering zid and d, and GetFolder shows the ACL and the i flag', async () => {
    const r = await grant({ gt: 'usr', d: 'bob@example.test', perm: 'rwidx' });
    expect(r.status).toBe(200);
    expect(r.el['action']).toEqual({ zid: bob.id, d: 'bob@example.test', id: String(folderId), op: 'grant' });
    const f = await folder();
    expect(f['f']).toContain('i');
    expect(f['acl']['grant']).toEqual([{ zid: bob.id, gt: 'usr', perm: 'rwidx', d: 'bob@example.test' }]);
  });

  it('replaces the grant of the same grantee and normalises the rights order', async () => {
    await grant({ gt: 'usr', zid: bob.id, perm: 'xwr' });
    expect((await folder())['acl']['grant']).toEqual([{ zid: bob.id, gt: 'usr', perm: 'rwx', d: 'bob@example.test' }]);
  });

  it('turns a usr grant to a list into grp, and resolves pub/all to their GUIDs', async () => {
    const g = await grant({ gt: 'usr', d: 'team@example.test', perm: 'r' });
    expect(g.el['action']['d']).toBe('team@example.test');
    await grant({ gt: 'pub', perm: 'r' });
    await grant({ gt: 'all', perm: 'r' });
    const grants = (await folder())['acl']['grant'] as Array<{ gt: string; zid: string }>;
    expect(grants.map((x) => x.gt)).toEqual(['usr', 'grp', 'pub', 'all']);
    expect(grants[2]!.zid).toBe('99999999-9999-9999-9999-999999999999');
    expect(grants[3]!.zid).toBe('00000000-0000-0000-0000-000000000000');
  });

  it('shares with guests (password) and key grantees (access key in the answer)', async () => {
    const guest = await grant({ gt: 'guest', d: 'ext@elsewhere.test', perm: 'r', pw: 'guest-secret' });
    expect(guest.el['action']).toMatchObject({ zid: 'ext@elsewhere.test', d: 'ext@elsewhere.test' });
    const key = await grant({ gt: 'key', d: 'calendar-feed', perm: 'r' });
    expect(key.el['action']['key']).toMatch(/^[0-9a-f]{16}$/);
    const grants = (await folder())['acl']['grant'] as Array<Record<string, string>>;
    expect(grants.find((x) => x['gt'] === 'guest')).toMatchObject({ pw: 'guest-secret' });
    expect(grants.find((x) => x['gt'] === 'key')).toMatchObject({ key: key.el['action']['key'] });
  });

  it('refuses unknown rights, grantee types and guests without an address', async () => {
    const badRight = await grant({ gt: 'usr', d: 'bob@example.test', perm: 'rz' });
    expect(badRight.code).toBe('service.INVALID_REQUEST');
    expect(badRight.el['Reason']['Text']).toContain('unknown right: z');
    expect((await grant({ gt: 'nobody', perm: 'r' })).el['Reason']['Text']).toContain('unknown grantee type: nobody');
    expect((await grant({ gt: 'guest', d: 'not-an-address', perm: 'r' })).code).toBe('service.INVALID_REQUEST');
  });

  it('!grant revokes; an empty ACL leaves no acl element and no i flag', async () => {
    const zids = ((await folder())['acl']['grant'] as Array<{ zid: string }>).map((g) => g.zid);
    for (const zid of zids) {
      const r = await call('FolderActionRequest', { action: { op: '!grant', id: String(folderId), zid } });
      expect(r.el['action']).toEqual({ id: String(folderId), op: '!grant' });
    }
    const f = await folder();
    expect(f).not.toHaveProperty('acl');
    expect(f['f'] ?? '').not.toContain('i');
  });

  it('revokeorphangrants removes grants of a deleted grantee in the subtree, and refuses a live one', async () => {
    const carol = emu.createAccount('carol@example.test', 'pw');
    await grant({ gt: 'usr', zid: carol.id, perm: 'r' }, subId);
    const live = await call('FolderActionRequest', {
      action: { op: 'revokeorphangrants', id: String(folderId), zid: carol.id, gt: 'usr' },
    });
    expect(live.el['Reason']['Text']).toContain(`grantee ${carol.id} exists`);
    emu.deleteAccount(carol.name);
    const r = await call('FolderActionRequest', {
      action: { op: 'revokeorphangrants', id: String(folderId), zid: carol.id, gt: 'usr' },
    });
    expect(r.status).toBe(200);
    expect(await folder(subId)).not.toHaveProperty('acl');
  });
});
