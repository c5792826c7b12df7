import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { exportCommand } from '../../src/cli/commands/export.js';
import { importCommand } from '../../src/cli/commands/import.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { initRepository } from '../../src/repository/repository.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { runCommand as run, serverArgs, writePasswordFile } from '../helpers/cli.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function emulator(domain: string): Promise<Emulator> {
  const emu = await startEmulator({ domain });
  cleanups.push(() => emu.close());
  return emu;
}

describe('export and import CLI commands', () => {
  it('export --out FILE, then import --archive and --from-repo into other servers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zb-export-cli-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const src = await emulator('example.test');
    const user = 'erin@example.test';
    src.createAccount(user, 'pw-erin');
    src.deliver(user, 'From: a@b.test\r\nSubject: one\r\n\r\none\r\n', { folderPath: '/Inbox/Keep', tags: ['blue'] });
    src.deliver(user, 'From: a@b.test\r\nSubject: two\r\n\r\ntwo\r\n', { flags: 'f' });
    const client = new ZimbraClient({ url: src.url, adminUrl: src.adminUrl });
    await client.authAdmin(src.adminUser, src.adminPassword);
    const repoDir = join(dir, 'repo');
    const repository = await initRepository({ backend: new LocalBackend({ root: repoDir }) });
    expect((await new BackupEngine({ client, repository, accounts: [user] }).run()).failures).toEqual([]);
    client.close();

    const file = join(dir, 'erin.tar.gz');
    const ex = await run(exportCommand, ['--repo', repoDir, '--out', file, '--accounts', user, '--json']);
    expect(ex.code).toBe(0);
    const summary = JSON.parse(ex.out) as { accounts: Array<{ name: string }>; blobs: { count: number } };
    expect(summary.accounts.map((a) => a.name)).toEqual([user]);
    expect(summary.blobs.count).toBe(2);
    expect((await stat(file)).size).toBeGreaterThan(0);
    expect(await readdir(dir)).not.toContain('erin.tar.gz.part');

    const bad = await run(exportCommand, [
      '--repo',
      repoDir,
      '--out',
      join(dir, 'x.tar.gz'),
      '--accounts',
      'nobody@example.test',
    ]).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'ZB_NOT_FOUND' });
    expect(await readdir(dir)).not.toContain('x.tar.gz.part');

    const mail = (emu: Emulator): string[] =>
      emu
        .snapshot(user)
        .items.filter((i) => i.type === 'message')
        .map((i) => `${i.sha256}|${i.flags}|${i.tags.join(',')}`)
        .sort();
    const pwFile = join(dir, 'pw');
    for (const how of [
      ['--archive', file],
      ['--from-repo', repoDir],
    ]) {
      const dst = await emulator('elsewhere.test');
      await writePasswordFile(pwFile, dst.adminPassword);
      const im = await run(importCommand, [...how, ...serverArgs(dst, pwFile), '--accounts', user, '--json']);
      expect(im.code).toBe(0);
      const r = JSON.parse(im.out) as {
        complete: boolean;
        accounts: Array<{ name: string; status: string; generatedPassword?: string }>;
      };
      expect(r.complete).toBe(true);
      expect(r.accounts.map((a) => [a.name, a.status])).toEqual([[user, 'done']]);
      // The SOAP-only backup has no password hash: a password is generated and shown once.
      expect(r.accounts[0]!.generatedPassword).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(mail(dst)).toEqual(mail(src));
      expect(dst.snapshot(user).folders.map((f) => f.path)).toContain('/Inbox/Keep');
    }
    const usage = await run(importCommand, [
      '--server',
      'http://127.0.0.1:9',
      '--admin',
      'a',
      '--password-file',
      pwFile,
    ]).catch((e: unknown) => e);
    expect(usage).toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
  });
});
