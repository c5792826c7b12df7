import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { formatLdifRecord } from '../../src/directory/ldif.js';
import { directoryDumpKey } from '../../src/repository/layout.js';
import { restoreDirectory } from '../../src/directory/restore-directory.js';
import { restoreAccount } from '../../src/restore/restore-account.js';
import { backupFixture, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const OLD_COS = '11111111-2222-3333-4444-555555555555';

function dumpLdif(): string {
  const rec = (dn: string, attributes: Record<string, string[]>): string => formatLdifRecord({ dn, attributes });
  return [
    rec('cn=gold,cn=cos,cn=zimbra', {
      objectClass: ['zimbraCOS'],
      cn: ['gold'],
      zimbraId: [OLD_COS],
      zimbraMailQuota: ['1073741824'],
    }),
    rec('dc=restored,dc=test', {
      objectClass: ['dcObject', 'organization', 'zimbraDomain'],
      dc: ['restored'],
      o: ['restored'],
      zimbraDomainName: ['restored.test'],
      zimbraId: ['aaaaaaaa-2222-3333-4444-555555555555'],
      zimbraDomainDefaultCOSId: [OLD_COS],
    }),
    rec('uid=alice,ou=people,dc=restored,dc=test', {
      objectClass: ['inetOrgPerson', 'zimbraAccount', 'amavisAccount'],
      uid: ['alice'],
      mail: ['alice@restored.test'],
      cn: ['Alice'],
      sn: ['Liddell'],
      displayName: ['Alice Liddell'],
      zimbraId: ['bbbbbbbb-2222-3333-4444-555555555555'],
      zimbraCOSId: [OLD_COS],
      zimbraMailHost: ['old.host'],
      userPassword: ['{SSHA512}c2VjcmV0LWhhc2gtdmFsdWU='],
      zimbraPrefTimeZoneId: ['Europe/Paris'],
    }),
    rec('uid=bob,ou=people,dc=restored,dc=test', {
      objectClass: ['inetOrgPerson', 'zimbraAccount'],
      uid: ['bob'],
      cn: ['Bob'],
      sn: ['B'],
      zimbraId: ['cccccccc-2222-3333-4444-555555555555'],
    }),
    rec('uid=team,ou=people,dc=restored,dc=test', {
      objectClass: ['zimbraDistributionList', 'zimbraMailRecipient'],
      uid: ['team'],
      mail: ['team@restored.test'],
      zimbraId: ['dddddddd-2222-3333-4444-555555555555'],
      zimbraMailForwardingAddress: ['alice@restored.test', 'bob@restored.test'],
      displayName: ['The team'],
    }),
  ].join('');
}

async function putDump(fx: BackupFixture, at: Date): Promise<string> {
  const key = directoryDumpKey(at, false);
  const bytes = Buffer.from(dumpLdif());
  await fx.repo.backend.put(key, { size: bytes.length, open: () => Readable.from([bytes]) });
  return key;
}

describe('restoreDirectory against the emulator', () => {
  it('recreates COS, domain, accounts and lists (with members) from the dump, then skips them', async () => {
    fx = await backupFixture();
    const key = await putDump(fx, new Date('2026-11-20T10:00:00Z'));
    const dry = await restoreDirectory({ repository: fx.repo, client: fx.client, dryRun: true });
    expect(dry.dumpKey).toBe(key);
    expect(dry.created.map((o) => `${o.kind}:${o.name}`)).toEqual([
      'cos:gold',
      'domain:restored.test',
      'account:alice@restored.test',
      'account:bob@restored.test',
      'distributionList:team@restored.test',
    ]);
    await expect(fx.client.getAccount('alice@restored.test')).rejects.toMatchObject({
      faultCode: 'account.NO_SUCH_ACCOUNT',
    });

    const r = await restoreDirectory({ repository: fx.repo, client: fx.client });
    expect(r.failures).toEqual([]);
    expect(r.source).toBe('dump');
    expect(r.created).toHaveLength(5);
    // Alice's hash came from the dump; Bob had none, so he gets a generated password, reported once.
    expect(r.generatedPasswords.map((p) => p.name)).toEqual(['bob@restored.test']);
    const gold = (await fx.client.getAllCos()).find((c) => c.name === 'gold')!;
    const alice = await fx.client.getAccount('alice@restored.test');
    expect(alice.id).not.toBe('bbbbbbbb-2222-3333-4444-555555555555');
    expect(alice.attrs['displayName']).toBe('Alice Liddell');
    expect(alice.attrs['zimbraCOSId']).toBe(gold.id);
    expect(alice.attrs['zimbraMailHost']).not.toBe('old.host');
    const lists = await fx.client.getAllDistributionLists();
    expect(lists.find((l) => l.name === 'team@restored.test')?.members.sort()).toEqual([
      'alice@restored.test',
      'bob@restored.test',
    ]);

    const again = await restoreDirectory({ repository: fx.repo, client: fx.client });
    expect(again.created).toEqual([]);
    expect(again.skipped).toHaveLength(5);
  });

  it('without a dump, recreates accounts from the journal attribute records; content follows with restoreAccount', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    emu.createAccount('carol@example.test', 'pw-carol', { displayName: 'Carol C' });
    emu.deliver('carol@example.test', 'From: x@y.test\r\nSubject: keep me\r\n\r\nbody\r\n');
    await new BackupEngine({ client, repository: repo }).run();
    const at = Date.now();
    const sha = emu.snapshot('carol@example.test').items.find((i) => i.type === 'message')!.sha256;
    emu.deleteAccount('carol@example.test');
    const r = await restoreDirectory({ repository: repo, client, accounts: ['carol@example.test'] });
    expect(r.source).toBe('journal');
    expect(r.created.map((o) => o.name)).toEqual(['carol@example.test']);
    expect((await client.getAccount('carol@example.test')).attrs['displayName']).toBe('Carol C');
    const m = await restoreAccount({ repository: repo, client, account: 'carol@example.test', at });
    expect(m.failures).toEqual([]);
    expect(emu.snapshot('carol@example.test').items.map((i) => i.sha256)).toContain(sha);
  });

  // AddAccountAlias.java -> LdapProvisioning.addAliasInternal: the alias's domain must exist
  // (account.NO_SUCH_DOMAIN), an address already taken answers account.ACCOUNT_EXISTS; the alias
  // joins zimbraMailAlias and mail of the account, so the address then resolves to it.
  it('adds the aliases of a recreated account (zimbraMailAlias and zimbraAlias entries); an absent domain is reported', async () => {
    fx = await backupFixture();
    const rec = (dn: string, attributes: Record<string, string[]>): string => formatLdifRecord({ dn, attributes });
    const ldif = [
      rec('dc=aliased,dc=test', {
        objectClass: ['dcObject', 'organization', 'zimbraDomain'],
        zimbraDomainName: ['aliased.test'],
        zimbraId: ['eeeeeeee-2222-3333-4444-555555555555'],
      }),
      rec('uid=dora,ou=people,dc=aliased,dc=test', {
        objectClass: ['inetOrgPerson', 'zimbraAccount'],
        uid: ['dora'],
        mail: ['dora@aliased.test', 'd.explorer@aliased.test'],
        zimbraMailAlias: ['d.explorer@aliased.test', 'dora@gone.test'],
        zimbraId: ['ffffffff-2222-3333-4444-555555555555'],
      }),
      // An alias entry (LdapProvisioning.addAliasInternal writes uid, zimbraId, zimbraAliasTargetId).
      rec('uid=explorer,ou=people,dc=aliased,dc=test', {
        objectClass: ['zimbraAlias'],
        uid: ['explorer'],
        zimbraId: ['99999999-2222-3333-4444-555555555555'],
        zimbraAliasTargetId: ['ffffffff-2222-3333-4444-555555555555'],
      }),
    ].join('');
    const bytes = Buffer.from(ldif);
    await fx.repo.backend.put(directoryDumpKey(new Date('2026-11-21T10:00:00Z'), false), {
      size: bytes.length,
      open: () => Readable.from([bytes]),
    });
    const dry = await restoreDirectory({ repository: fx.repo, client: fx.client, dryRun: true });
    expect(dry.created.map((o) => `${o.kind}:${o.name}`)).toEqual([
      'domain:aliased.test',
      'account:dora@aliased.test',
      'alias:d.explorer@aliased.test',
      'alias:dora@gone.test',
      'alias:explorer@aliased.test',
    ]);
    const r = await restoreDirectory({ repository: fx.repo, client: fx.client });
    expect(r.created.filter((o) => o.kind === 'alias').map((o) => [o.name, o.target])).toEqual([
      ['d.explorer@aliased.test', 'dora@aliased.test'],
      ['explorer@aliased.test', 'dora@aliased.test'],
    ]);
    expect(r.failures).toEqual([
      {
        kind: 'alias',
        name: 'dora@gone.test',
        target: 'dora@aliased.test',
        reason: 'domain gone.test does not exist on the target',
      },
    ]);
    const dora = await fx.client.getAccount('dora@aliased.test');
    expect(dora.id).not.toBe('ffffffff-2222-3333-4444-555555555555');
    expect([dora.attrs['zimbraMailAlias']].flat().sort()).toEqual(['d.explorer@aliased.test', 'explorer@aliased.test']);
    // the alias resolves to the recreated account
    expect((await fx.client.getAccount('explorer@aliased.test')).id).toBe(dora.id);
    // objects without 'alias': the account only
    fx.emu.deleteAccount('dora@aliased.test');
    const noAliases = await restoreDirectory({ repository: fx.repo, client: fx.client, objects: ['account'] });
    expect(noAliases.created.map((o) => o.kind)).toEqual(['account']);
    expect((await fx.client.getAccount('dora@aliased.test')).attrs['zimbraMailAlias']).toBeUndefined();
  });
});
