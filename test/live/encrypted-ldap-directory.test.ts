/**
 * An encrypted repository whose directory part comes from a real slapd: `backup --ldap-url` into a
 * repository made with `init --encrypt`, then `restore-directory` into another server. The dump
 * (password hashes and aliases included) is stored encrypted like everything else, cannot be read
 * without the key, and with it brings back the account with its own password, its alias, and a
 * distribution list with its alias.
 *
 * Zimbra: LdapProvisioning.addAliasInternal writes a `zimbraAlias` entry (uid, zimbraAliasTargetId)
 * and adds the alias to the target's `zimbraMailAlias`; createDistributionList keeps a list's own
 * address in its `zimbraMailAlias`; AddDistributionListAlias.java adds a list alias back.
 */
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { GetDistributionList } from '../../src/soap/requests/get-distribution-list.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { runMain, serverArgs, writePasswordFile } from '../helpers/cli.js';
import { rawLogin } from '../integration/raw-soap.js';
import { BASE_DIT, launchSlapd, ssha, type SlapdInstance } from './setup/slapd.js';

const provided = inject('ldap');
const available = 'url' in provided;
if (!available) console.warn(`[live] encrypted LDAP directory test skipped: ${provided.unavailable}`);

const VERA = 'aaaa0001-0000-4000-8000-00000000c0de';
const CREW = 'aaaa0002-0000-4000-8000-00000000c0de';
const VERA_PASSWORD = 'vera-own-password-42';
const VERA_HASH = ssha(VERA_PASSWORD);

/** A crypt.test domain with one account (alias v@) and one list (alias mates@), as Zimbra writes them. */
const LDIF = `${BASE_DIT}
dn: dc=crypt,dc=test
objectClass: dcObject
objectClass: organization
objectClass: zimbraDomain
dc: crypt
o: crypt.test
zimbraId: aaaa0003-0000-4000-8000-00000000c0de
zimbraDomainName: crypt.test
zimbraDomainType: local
zimbraDomainStatus: active

dn: ou=people,dc=crypt,dc=test
objectClass: organizationalUnit
ou: people

dn: uid=vera,ou=people,dc=crypt,dc=test
objectClass: inetOrgPerson
objectClass: zimbraAccount
uid: vera
cn: Vera
sn: Cipher
displayName: Vera Cipher
zimbraId: ${VERA}
mail: vera@crypt.test
mail: v@crypt.test
zimbraMailDeliveryAddress: vera@crypt.test
zimbraMailAlias: v@crypt.test
zimbraMailHost: mail.example.test
zimbraMailStatus: enabled
zimbraAccountStatus: active
userPassword: ${VERA_HASH}

dn: uid=v,ou=people,dc=crypt,dc=test
objectClass: zimbraAlias
uid: v
zimbraId: aaaa0004-0000-4000-8000-00000000c0de
zimbraAliasTargetId: ${VERA}

dn: uid=crew,ou=people,dc=crypt,dc=test
objectClass: zimbraDistributionList
objectClass: zimbraMailRecipient
uid: crew
zimbraId: ${CREW}
mail: crew@crypt.test
mail: mates@crypt.test
zimbraMailAlias: crew@crypt.test
zimbraMailAlias: mates@crypt.test
zimbraMailForwardingAddress: vera@crypt.test
zimbraMailStatus: enabled

dn: uid=mates,ou=people,dc=crypt,dc=test
objectClass: zimbraAlias
uid: mates
zimbraId: aaaa0005-0000-4000-8000-00000000c0de
zimbraAliasTargetId: ${CREW}
`;

async function files(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

describe.skipIf(!available)('encrypted repository with an LDAP directory dump (slapd)', () => {
  let slapd: SlapdInstance;
  let src: Emulator;
  let dst: Emulator;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zb-enc-ldap-'));
    slapd = await launchSlapd({ preload: LDIF });
    src = await startEmulator({ domain: 'crypt.test' });
    src.createAccount('vera@crypt.test', 'pw-on-source');
    src.deliver('vera@crypt.test', 'From: a@b.test\r\nSubject: hello\r\n\r\nbody\r\n');
    dst = await startEmulator({ domain: 'target.test' });
  });
  afterAll(async () => {
    await src?.close();
    await dst?.close();
    await slapd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('backs the directory up encrypted and restores the account, its password, the list and both aliases', async () => {
    const repo = join(dir, 'repo');
    const env = { ZB_REPO_PASSWORD: 'repository passphrase for the directory' };
    const srcPw = await writePasswordFile(join(dir, 'src.pw'), src.adminPassword);
    const dstPw = await writePasswordFile(join(dir, 'dst.pw'), dst.adminPassword);
    const ldapPw = await writePasswordFile(join(dir, 'ldap.pw'), slapd.password);
    expect((await runMain(['init', '--repo', repo, '--encrypt'], env)).code).toBe(0);

    const ldap = ['--ldap-url', slapd.url, '--ldap-bind-dn', slapd.bindDN, '--ldap-password-file', ldapPw];
    const backup = await runMain(['backup', '--repo', repo, ...serverArgs(src, srcPw), ...ldap, '--json'], env);
    expect(backup.err).not.toContain(slapd.password);
    expect(backup.code).toBe(0);
    const { directory } = JSON.parse(backup.out) as { directory: { source: string; summary: { entries: number } } };
    expect(directory.source).toBe('ldap');
    expect(directory.summary.entries).toBeGreaterThan(5);

    // The stored dump reveals no address, alias or password hash.
    for (const f of await files(repo)) {
      const bytes = await readFile(f);
      for (const secret of ['crypt.test', 'mates', VERA_HASH.slice('{SSHA}'.length)])
        expect(bytes.includes(Buffer.from(secret)), `${f} holds ${secret}`).toBe(false);
    }

    const restore = ['restore-directory', '--repo', repo, ...serverArgs(dst, dstPw), '--json'];
    const noKey = await runMain(restore);
    expect(noKey.code).toBe(1);
    expect(noKey.err).toContain('ZB_KEY_REQUIRED');
    await expect(rawLogin(`${dst.url}/service/soap`, false, 'vera@crypt.test', VERA_PASSWORD)).rejects.toThrow();

    const r = await runMain(restore, env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as {
      source: string;
      created: Array<{ kind: string; name: string; target?: string }>;
      failures: unknown[];
      generatedPasswords: unknown[];
    };
    expect(result.source).toBe('dump');
    expect(result.failures).toEqual([]);
    expect(result.created.map((o) => `${o.kind}:${o.name}${o.target ? `->${o.target}` : ''}`)).toEqual([
      'domain:crypt.test',
      'account:vera@crypt.test',
      'alias:v@crypt.test->vera@crypt.test',
      'distributionList:crew@crypt.test',
      'alias:mates@crypt.test->crew@crypt.test',
    ]);
    // the hash came from LDAP: no generated password, and the account's own password logs in,
    // through its alias too
    expect(result.generatedPasswords).toEqual([]);
    await expect(rawLogin(`${dst.url}/service/soap`, false, 'vera@crypt.test', VERA_PASSWORD)).resolves.toMatch(/./);
    await expect(rawLogin(`${dst.url}/service/soap`, false, 'v@crypt.test', VERA_PASSWORD)).resolves.toMatch(/./);
    const client = new ZimbraClient({ url: dst.url, adminUrl: dst.adminUrl });
    try {
      await client.authAdmin(dst.adminUser, dst.adminPassword);
      const { list } = await client.send(GetDistributionList, { dl: { by: 'name', value: 'mates@crypt.test' } });
      expect(list.name).toBe('crew@crypt.test');
      expect(list.id).not.toBe(CREW);
      expect(list.members).toEqual(['vera@crypt.test']);
    } finally {
      client.close();
    }
  });
});
