/**
 * Dynamic groups (issue #16): the emulator creates them as Zimbra does, lists them with
 * dynamic="1" and their memberURL, the SOAP directory dump records them as objectClass
 * zimbraGroup, and restore-directory provisions them (with their members, or their custom
 * memberURL) on another server.
 *
 * Sources: CreateDistributionList.java (dynamic="1" -> prov.createGroup(name, attrs, dynamic));
 * LdapProvisioning.createDynamicGroup (no memberURL -> the default one and zimbraIsACLGroup TRUE;
 * FALSE then refused with INVALID_REQUEST); LdapDynamicGroup.getDefaultMemberURL
 * ("ldap:///??sub?(|(zimbraMemberOf=<id>)(zimbraId=<static unit id>))"); LdapProvisioning
 * addGroupMembers ("cannot add members to dynamic group with custom memberURL");
 * GetDistributionList.encodeDistributionList (the dl element's `dynamic` attribute).
 */
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { formatLdifRecord } from '../../src/directory/ldif.js';
import { restoreDirectory } from '../../src/directory/restore-directory.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { directoryDumpKey } from '../../src/repository/layout.js';
import { AddDistributionListMember } from '../../src/soap/requests/add-distribution-list-member.js';
import { CreateDistributionList } from '../../src/soap/requests/create-distribution-list.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { exportArchive } from '../../src/export/index.js';
import { importArchive } from '../../src/import/index.js';
import { backupFixture, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
let other: { emu: Emulator; client: ZimbraClient } | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
  other?.client.close();
  await other?.emu.close();
  other = undefined;
});

async function secondServer(): Promise<{ emu: Emulator; client: ZimbraClient }> {
  const emu = await startEmulator({ domain: 'example.test' });
  const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 0 });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  return { emu, client };
}

const CUSTOM = 'ldap:///ou=people,dc=example,dc=test??one?(zimbraAccountStatus=active)';

describe('dynamic groups', () => {
  it('the emulator creates, lists and refuses them as the real server does', async () => {
    fx = await backupFixture();
    const { emu, client } = fx;
    const ana = emu.createAccount('ana@example.test', 'pw');
    emu.createAccount('bob@example.test', 'pw');
    const acl = await client.send(CreateDistributionList, {
      name: 'Staff@example.test',
      dynamic: true,
      attrs: { displayName: 'Staff' },
    });
    expect(acl.dynamic).toBe(true);
    expect(acl.name).toBe('staff@example.test');
    await client.send(AddDistributionListMember, { id: acl.id, members: ['ana@example.test', 'bob@example.test'] });
    const custom = await client.send(CreateDistributionList, {
      name: 'active@example.test',
      dynamic: true,
      attrs: { memberURL: CUSTOM, zimbraIsACLGroup: 'FALSE' },
    });
    await client.send(CreateDistributionList, { name: 'plain@example.test', attrs: {} });

    const lists = await client.getAllDistributionLists();
    const byName = new Map(lists.map((l) => [l.name, l]));
    expect(byName.get('plain@example.test')?.dynamic).toBe(false);
    const staff = byName.get('staff@example.test')!;
    expect(staff.dynamic).toBe(true);
    expect(String(staff.attrs['memberURL'])).toContain(`(zimbraMemberOf=${acl.id})`);
    expect(String(staff.attrs['memberURL'])).toMatch(
      /^ldap:\/\/\/\?\?sub\?\(\|\(zimbraMemberOf=[0-9a-f-]{36}\)\(zimbraId=[0-9a-f-]{36}\)\)$/,
    );
    expect(staff.attrs['zimbraIsACLGroup']).toBe('TRUE');
    expect([...staff.members].sort()).toEqual(['ana@example.test', 'bob@example.test']);
    // members of a dynamic group are accounts marked zimbraMemberOf, not forwarding addresses
    expect(staff.attrs['zimbraMailForwardingAddress']).toBeUndefined();
    expect((await client.getAccount({ by: 'id', value: ana.id })).attrs['zimbraMemberOf']).toBe(acl.id);
    const act = byName.get('active@example.test')!;
    expect(act.dynamic).toBe(true);
    expect(act.attrs['memberURL']).toBe(CUSTOM);
    expect(act.attrs['zimbraIsACLGroup']).toBe('FALSE');

    await expect(
      client.send(AddDistributionListMember, { id: custom.id, members: ['ana@example.test'] }),
    ).rejects.toMatchObject({
      faultCode: 'service.INVALID_REQUEST',
      message: expect.stringMatching(/custom memberURL/),
    });
    await expect(
      client.send(CreateDistributionList, {
        name: 'bad@example.test',
        dynamic: true,
        attrs: { zimbraIsACLGroup: 'FALSE' },
      }),
    ).rejects.toMatchObject({ faultCode: 'service.INVALID_REQUEST' });
  });

  it('round-trip: SOAP dump -> restore-directory on another server, members and custom memberURL kept', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    emu.createAccount('ana@example.test', 'pw');
    emu.createAccount('bob@example.test', 'pw');
    const acl = await client.send(CreateDistributionList, { name: 'staff@example.test', dynamic: true, attrs: {} });
    await client.send(AddDistributionListMember, { id: acl.id, members: ['ana@example.test', 'bob@example.test'] });
    await client.send(CreateDistributionList, {
      name: 'active@example.test',
      dynamic: true,
      attrs: { memberURL: CUSTOM, zimbraIsACLGroup: 'FALSE', displayName: 'Active people' },
    });
    const engine = new BackupEngine({ client, repository: repo, directory: { source: 'soap' } });
    const run = await engine.run();
    expect(run.directory?.summary?.byKind.dynamicGroup).toBe(2);

    other = await secondServer();
    const r = await restoreDirectory({ repository: repo, client: other.client });
    expect(r.failures).toEqual([]);
    const lists = new Map((await other.client.getAllDistributionLists()).map((l) => [l.name, l]));
    const staff = lists.get('staff@example.test')!;
    expect(staff.dynamic).toBe(true);
    expect([...staff.members].sort()).toEqual(['ana@example.test', 'bob@example.test']);
    // the default memberURL is the new server's own (new ids), not the old one copied
    expect(String(staff.attrs['memberURL'])).toContain(`(zimbraMemberOf=${staff.id})`);
    expect(staff.id).not.toBe(acl.id);
    const act = lists.get('active@example.test')!;
    expect(act.dynamic).toBe(true);
    expect(act.attrs['memberURL']).toBe(CUSTOM);
    expect(act.attrs['displayName']).toBe('Active people');
    expect(act.members).toEqual([]);
  });

  it('an LDAP dump (objectClass zimbraGroup, members as zimbraMemberOf) is provisioned the same way', async () => {
    fx = await backupFixture();
    const GROUP = 'eeeeeeee-2222-3333-4444-555555555555';
    const rec = (dn: string, attributes: Record<string, string[]>): string => formatLdifRecord({ dn, attributes });
    const ldif = [
      rec('uid=carla,ou=people,dc=example,dc=test', {
        objectClass: ['inetOrgPerson', 'zimbraAccount'],
        uid: ['carla'],
        cn: ['Carla'],
        sn: ['C'],
        mail: ['carla@example.test'],
        zimbraId: ['cccccccc-2222-3333-4444-555555555555'],
        zimbraMemberOf: [GROUP],
      }),
      rec('cn=ops,ou=groups,dc=example,dc=test', {
        objectClass: ['zimbraGroup', 'zimbraMailRecipient'],
        cn: ['ops'],
        mail: ['ops@example.test'],
        zimbraId: [GROUP],
        memberURL: [`ldap:///??sub?(|(zimbraMemberOf=${GROUP})(zimbraId=ffffffff-2222-3333-4444-555555555555))`],
        zimbraIsACLGroup: ['TRUE'],
        zimbraMailStatus: ['enabled'],
      }),
    ].join('');
    const bytes = Buffer.from(ldif);
    await fx.repo.backend.put(directoryDumpKey(new Date('2026-11-20T10:00:00Z'), false), {
      size: bytes.length,
      open: () => Readable.from([bytes]),
    });
    const r = await restoreDirectory({ repository: fx.repo, client: fx.client });
    expect(r.failures).toEqual([]);
    const ops = (await fx.client.getAllDistributionLists()).find((l) => l.name === 'ops@example.test')!;
    expect(ops.dynamic).toBe(true);
    expect(ops.members).toEqual(['carla@example.test']);
    expect(String(ops.attrs['memberURL'])).toContain(`(zimbraMemberOf=${ops.id})`);
  });

  it('round-trip: export archive -> import on another server creates the groups with their members', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    emu.createAccount('ana@example.test', 'pw');
    emu.createAccount('bob@example.test', 'pw');
    const acl = await client.send(CreateDistributionList, { name: 'staff@example.test', dynamic: true, attrs: {} });
    await client.send(AddDistributionListMember, { id: acl.id, members: ['ana@example.test', 'bob@example.test'] });
    await client.send(CreateDistributionList, {
      name: 'active@example.test',
      dynamic: true,
      attrs: { memberURL: CUSTOM, zimbraIsACLGroup: 'FALSE' },
    });
    await new BackupEngine({ client, repository: repo, directory: { source: 'soap' } }).run();
    const chunks: Buffer[] = [];
    const out = new PassThrough();
    out.on('data', (c: Buffer) => chunks.push(c));
    await exportArchive({ repo, out, accounts: ['ana@example.test', 'bob@example.test'] });
    other = await secondServer();
    const r = await importArchive({ archive: Readable.from([Buffer.concat(chunks)]), client: other.client });
    expect(r.complete).toBe(true);
    const lists = new Map((await other.client.getAllDistributionLists()).map((l) => [l.name, l]));
    const staff = lists.get('staff@example.test')!;
    expect(staff.dynamic).toBe(true);
    expect([...staff.members].sort()).toEqual(['ana@example.test', 'bob@example.test']);
    expect(String(staff.attrs['memberURL'])).toContain(`(zimbraMemberOf=${staff.id})`);
    expect(lists.get('active@example.test')?.attrs['memberURL']).toBe(CUSTOM);
  });
});
