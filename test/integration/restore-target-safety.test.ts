/**
 * Issue #15: `restore --to-account B` must never merge the source into an existing, different
 * mailbox by accident. The library refuses with ZB_TARGET_EXISTS (dry runs too), the CLI maps
 * `--into-existing` to the explicit opt-in, and a rerun of a restore that created its account
 * resumes instead of being refused.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { initRepository } from '../../src/repository/repository.js';
import { restoreAccount } from '../../src/restore/restore-account.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { runMain as cli, serverArgs, writePasswordFile } from '../helpers/cli.js';

let emu: Emulator | undefined;
let dir: string | undefined;
let client: ZimbraClient | undefined;
afterEach(async () => {
  client?.close();
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  emu = undefined;
  dir = undefined;
  client = undefined;
});

const src = 'user1@example.test';
const other = 'user2@example.test';

async function setup() {
  emu = await startEmulator({ domain: 'example.test' });
  dir = await mkdtemp(join(tmpdir(), 'zb-target-'));
  const repoDir = join(dir, 'repo');
  const pwFile = join(dir, 'pw');
  await writePasswordFile(pwFile, emu.adminPassword);
  emu.createAccount(src, 'pw1');
  emu.createAccount(other, 'pw2');
  emu.deliver(src, 'From: a@b.test\r\nSubject: one\r\n\r\none\r\n');
  emu.deliver(src, 'From: a@b.test\r\nSubject: two\r\n\r\ntwo\r\n');
  emu.deliver(other, 'From: c@d.test\r\nSubject: mine\r\n\r\nmine\r\n');
  client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  const repository = await initRepository({ backend: new LocalBackend({ root: repoDir }) });
  const r = await new BackupEngine({ client, repository, accounts: [src] }).run();
  expect(r.failures).toEqual([]);
  const at = new Date(Date.now() + 1000).toISOString();
  const server = ['--repo', repoDir, ...serverArgs(emu)];
  return { repository, at, server, pwFile, emu };
}

const messagesOf = (e: Emulator, a: string) => e.snapshot(a).items.filter((i) => i.type === 'message').length;

describe('restore into an account that is not the source', () => {
  it('the library refuses an existing other account (dry run too) unless intoExisting', async () => {
    const { repository, at, emu: e } = await setup();
    for (const dryRun of [false, true])
      await expect(
        restoreAccount({ repository, client: client!, account: src, at: Date.parse(at), toAccount: other, dryRun }),
      ).rejects.toMatchObject({ code: 'ZB_TARGET_EXISTS', data: { target: other } });
    expect(messagesOf(e, other)).toBe(1);

    const ok = await restoreAccount({
      repository,
      client: client!,
      account: src,
      at: Date.parse(at),
      toAccount: other,
      intoExisting: true,
    });
    expect(ok.targetKind).toBe('existing');
    expect(ok.at).toBe(at);
    expect(messagesOf(e, other)).toBe(3);
  });

  it('a new account is created; a rerun of the same restore resumes in it instead of being refused', async () => {
    const { repository, at, emu: e } = await setup();
    const first = await restoreAccount({
      repository,
      client: client!,
      account: src,
      at: Date.parse(at),
      toAccount: 'fresh@example.test',
    });
    expect(first.targetKind).toBe('new');
    expect(first.createdAccount?.name).toBe('fresh@example.test');
    const again = await restoreAccount({
      repository,
      client: client!,
      account: src,
      at: Date.parse(at),
      toAccount: 'fresh@example.test',
    });
    expect(again.targetKind).toBe('resumed');
    expect(again.counts.message.restored).toBe(0);
    expect(messagesOf(e, 'fresh@example.test')).toBe(2);
    // The same target at another instant is another restore: the account is now "existing".
    await expect(
      restoreAccount({
        repository,
        client: client!,
        account: src,
        at: Date.parse(at) + 1,
        toAccount: 'fresh@example.test',
      }),
    ).rejects.toMatchObject({ code: 'ZB_TARGET_EXISTS' });
  });

  it('CLI: refused with a clear message and exit 1; --dry-run names the mailbox; --into-existing writes', async () => {
    const { at, server, pwFile, emu: e } = await setup();
    const base = [...server, '--password-file', pwFile, '--account', src, '--at', at];
    const refused = await cli(['restore', ...base, '--to-account', other]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^ZB_TARGET_EXISTS: user2@example\.test is an existing account.*--into-existing/m);
    expect(messagesOf(e, other)).toBe(1);

    const dryNew = await cli(['restore', ...base, '--to-account', 'new@example.test', '--dry-run']);
    expect(dryNew.code).toBe(0);
    expect(dryNew.out).toContain(
      '2 items would be restored into new@example.test (a new account, created by the restore)',
    );
    // A dry run creates nothing.
    expect(() => e.snapshot('new@example.test')).toThrow(/no such account/);

    const dryExisting = await cli(['restore', ...base, '--to-account', other, '--into-existing', '--dry-run']);
    expect(dryExisting.code).toBe(0);
    expect(dryExisting.out).toContain('into user2@example.test (an EXISTING account that is not the source');
    const dryOriginal = await cli(['restore', ...base, '--dry-run']);
    expect(dryOriginal.out).toContain(`into ${src} (the original account`);

    const merged = await cli(['restore', ...base, '--to-account', other, '--into-existing', '--json']);
    expect(merged.code).toBe(0);
    expect(JSON.parse(merged.out)).toMatchObject({ targetKind: 'existing', targetAccount: other, at });
    expect(messagesOf(e, other)).toBe(3);

    const help = await cli(['restore', '--help']);
    expect(help.out).toContain('--into-existing');
    expect(help.out).toMatch(/existing other account is refused unless --into-existing/);
  });
});
