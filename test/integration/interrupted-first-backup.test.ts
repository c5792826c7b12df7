/**
 * Issue #15: after an interrupted first backup, `status`, `ls` and restores saw nothing of what
 * was committed until a later run completed, because the account index (how they find an
 * account by name) was written only at the end of a pass. Committed is committed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { initRepository } from '../../src/repository/repository.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { runMain as cli, serverArgs, writePasswordFile } from '../helpers/cli.js';

let emu: Emulator | undefined;
let dir: string | undefined;
afterEach(async () => {
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  emu = undefined;
  dir = undefined;
});

describe('an interrupted first backup', () => {
  it('leaves what it committed visible to status, ls and restore at once', async () => {
    emu = await startEmulator({ domain: 'example.test' });
    dir = await mkdtemp(join(tmpdir(), 'zb-interrupted-'));
    const repoDir = join(dir, 'repo');
    await writePasswordFile(join(dir, 'pw'), emu.adminPassword);
    const users = ['a1@example.test', 'a2@example.test', 'a3@example.test'];
    for (const u of users) {
      emu.createAccount(u, 'pw');
      emu.deliver(u, `From: x@y.test\r\nSubject: for ${u}\r\n\r\nbody\r\n`);
    }
    const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
    await client.authAdmin(emu.adminUser, emu.adminPassword);
    const repository = await initRepository({ backend: new LocalBackend({ root: repoDir }) });
    const stop = new AbortController();
    const done: string[] = [];
    // One account at a time; "Ctrl-C" as soon as the first account has committed.
    const engine = new BackupEngine({
      client,
      repository,
      concurrency: 1,
      onAccountRun: (r) => {
        done.push(r.accountId);
        stop.abort(new Error('interrupted'));
      },
    });
    await engine.run({ signal: stop.signal }).catch(() => undefined);
    client.close();
    expect(done.length).toBeGreaterThanOrEqual(1);

    const status = await cli(['status', '--repo', repoDir, '--json']);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.out) as { accounts: Array<{ id: string; name: string; items: number }> };
    const committed = s.accounts.find((a) => a.id === done[0]);
    expect(committed, status.out).toBeDefined();
    expect(committed!.items).toBeGreaterThan(0);

    const ls = await cli(['ls', '--repo', repoDir, '--account', committed!.name, '--json']);
    expect(ls.code).toBe(0);
    expect((JSON.parse(ls.out) as { items: Array<{ kind: string }> }).items.some((i) => i.kind === 'message')).toBe(
      true,
    );

    const restore = await cli([
      'restore',
      '--repo',
      repoDir,
      ...serverArgs(emu, join(dir, 'pw')),
      '--account',
      committed!.name,
      '--at',
      new Date(Date.now() + 1000).toISOString(),
      '--to-account',
      'copy@example.test',
      '--json',
    ]);
    expect(restore.code, restore.err).toBe(0);
    expect(JSON.parse(restore.out).counts.message.restored).toBe(1);
  });
});
