import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { restoreCommand } from '../../src/cli/commands/restore.js';
import { restoreDirectoryCommand } from '../../src/cli/commands/restore-directory.js';
import { restoreItemCommand } from '../../src/cli/commands/restore-item.js';
import { undeleteCommand } from '../../src/cli/commands/undelete.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { initRepository } from '../../src/repository/repository.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { runCommand as run, serverArgs, writePasswordFile } from '../helpers/cli.js';

let emu: Emulator | undefined;
let dir: string | undefined;
afterEach(async () => {
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  emu = undefined;
  dir = undefined;
});

describe('restore CLI commands', () => {
  it('restore, undelete, restore-item and restore-directory against a local repository', async () => {
    emu = await startEmulator({ domain: 'example.test' });
    dir = await mkdtemp(join(tmpdir(), 'zb-restore-cli-'));
    const repoDir = join(dir, 'repo');
    const pwFile = join(dir, 'pw');
    await writePasswordFile(pwFile, emu.adminPassword);
    const user = 'dana@example.test';
    emu.createAccount(user, 'pw-dana');
    const keep = emu.deliver(user, 'From: a@b.test\r\nSubject: keep\r\n\r\nkeep\r\n');
    const gone = emu.deliver(user, 'From: a@b.test\r\nSubject: gone\r\n\r\ngone\r\n', { folderPath: '/Inbox/Old' });
    const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
    await client.authAdmin(emu.adminUser, emu.adminPassword);
    const repository = await initRepository({ backend: new LocalBackend({ root: repoDir }) });
    const engine = new BackupEngine({ client, repository });
    await engine.run();
    const t1 = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    emu.deleteItem(user, gone);
    await engine.run();
    const t2 = new Date(Date.now() + 1000).toISOString();
    client.close();
    const server = ['--repo', repoDir, ...serverArgs(emu)];

    const dry = await run(undeleteCommand, [
      ...server,
      '--password-file',
      pwFile,
      '--account',
      user,
      '--from',
      t1,
      '--to',
      t2,
      '--dry-run',
      '--json',
    ]);
    expect(dry.code).toBe(0);
    const planned = JSON.parse(dry.out) as { planned: Array<{ id: string; kind: string }> };
    expect(planned.planned.filter((p) => p.kind === 'message').map((p) => p.id)).toEqual([String(gone)]);

    // The password comes from the environment here; never from argv.
    const und = await run(
      undeleteCommand,
      [...server, '--account', user, '--from', t1, '--to', t2, '--folder-name', 'Back'],
      { ZB_ADMIN_PASSWORD: emu.adminPassword },
    );
    expect(und.code).toBe(0);
    expect(und.out).toContain('restored into folder /Back');
    expect(emu.snapshot(user).folders.map((f) => f.path)).toContain('/Back/Inbox/Old');

    const item = await run(restoreItemCommand, [
      ...server,
      '--password-file',
      pwFile,
      '--account',
      user,
      '--id',
      `${keep}`,
      '--folder',
      '/Copies',
      '--json',
    ]);
    expect(item.code).toBe(0);
    expect(JSON.parse(item.out).counts.message.restored).toBe(1);

    const acct = await run(restoreCommand, [
      ...server,
      '--password-file',
      pwFile,
      '--account',
      user,
      '--at',
      t1,
      '--to-account',
      'dana2@example.test',
      '--json',
    ]);
    expect(acct.code).toBe(0);
    const res = JSON.parse(acct.out) as { generatedPassword: string; counts: { message: { restored: number } } };
    expect(res.counts.message.restored).toBe(2);
    expect(res.generatedPassword.length).toBeGreaterThan(10);
    expect(emu.snapshot('dana2@example.test').items.filter((i) => i.type === 'message')).toHaveLength(2);

    const dirDry = await run(restoreDirectoryCommand, [
      ...server,
      '--password-file',
      pwFile,
      '--accounts',
      user,
      '--dry-run',
    ]);
    expect(dirDry.code).toBe(0);
    expect(dirDry.err).toContain('no directory dump');
    expect(dirDry.out).toContain(`would create account ${user}`);

    await expect(run(restoreCommand, [...server, '--account', user, '--at', 'yesterday'])).rejects.toMatchObject({
      code: 'ZB_INVALID_ARGUMENT',
    });
    await expect(run(restoreCommand, [...server, '--account', user, '--at', t1])).rejects.toMatchObject({
      code: 'ZB_INVALID_ARGUMENT',
    });
  });
});
