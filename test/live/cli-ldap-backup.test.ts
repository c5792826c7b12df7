/**
 * `zimbra-backup backup --ldap-url ...` against a real slapd: the directory part of a backup comes
 * from LDAP (password hashes included), the bind password from a file, never argv or output.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { readDirectoryDump } from '../../src/directory/directory-dump-io.js';
import { LocalBackend } from '../../src/store/backends/local.js';

const ldap = inject('ldap');
const live = 'unavailable' in ldap ? undefined : ldap;
if (live === undefined)
  console.warn(`\n*** LIVE LDAP CLI TEST SKIPPED: ${'unavailable' in ldap ? ldap.unavailable : ''}\n`);

describe.skipIf(live === undefined)('CLI backup with an LDAP directory dump (slapd)', () => {
  let emu: Emulator;
  let dir: string;
  beforeAll(async () => {
    emu = await startEmulator({ domain: 'example.test' });
    emu.createAccount('ldapcli@example.test', 'pw');
    dir = await mkdtemp(join(tmpdir(), 'zb-ldap-cli-'));
    await writeFile(join(dir, 'admin.pw'), `${emu.adminPassword}\n`, { mode: 0o600 });
    await writeFile(join(dir, 'ldap.pw'), `${live!.password}\n`, { mode: 0o600 });
  });
  afterAll(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores the LDAP dump in the repository and reports its counts', async () => {
    let out = '';
    let err = '';
    const repo = join(dir, 'repo');
    const code = await main(
      [
        'backup',
        '--repo',
        repo,
        '--server',
        emu.adminUrl,
        '--mail-url',
        emu.url,
        '--admin',
        emu.adminUser,
        '--password-file',
        join(dir, 'admin.pw'),
        '--ldap-url',
        live!.url,
        '--ldap-bind-dn',
        live!.bindDN,
        '--ldap-password-file',
        join(dir, 'ldap.pw'),
        '--json',
      ],
      { out: (t) => (out += t), err: (t) => (err += t), tty: false, env: {} },
    );
    expect(err).not.toContain(live!.password);
    expect(out).not.toContain(live!.password);
    expect(code).toBe(0);
    const result = JSON.parse(out) as { directory: { key: string; source: string; summary: { entries: number } } };
    expect(result.directory.source).toBe('ldap');
    expect(result.directory.summary.entries).toBeGreaterThan(3);
    let n = 0;
    for await (const e of readDirectoryDump(await new LocalBackend({ root: repo }).get(result.directory.key)))
      if (e.dn !== '') n++;
    expect(n).toBe(result.directory.summary.entries);
  });
});
