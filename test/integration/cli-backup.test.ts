import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runMain as cli, serverArgs, writePasswordFile } from '../helpers/cli.js';

let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startEmulator({ domain: 'example.test' });
  emu.createAccount('cli@example.test', 'pw-cli');
  emu.deliver('cli@example.test', 'Subject: hello\r\n\r\nbody\r\n', { folderPath: '/Inbox' });
  dir = await mkdtemp(join(tmpdir(), 'zb-cli-'));
  await writePasswordFile(join(dir, 'pw'), emu.adminPassword);
});

afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

describe('CLI: backup, status, ls', () => {
  it('backs up with --json, then reports status and lists items', async () => {
    const repo = join(dir, 'repo');
    const server = serverArgs(emu);
    const b = await cli(['backup', '--repo', repo, ...server, '--password-file', join(dir, 'pw'), '--json']);
    expect(b.err).toMatch(/password hashes/); // the SOAP directory path says what it lacks
    expect(b.code).toBe(0);
    const result = JSON.parse(b.out) as Record<string, unknown>;
    for (const k of [
      'accounts',
      'itemsNew',
      'itemsChanged',
      'itemsDeleted',
      'bytesDownloaded',
      'bytesStored',
      'durationMs',
    ])
      expect(result).toHaveProperty(k);
    expect(result['itemsNew']).toBeGreaterThan(0);

    // The password may also come from the environment; a second pass has nothing new.
    const again = await cli(['backup', '--repo', repo, ...server, '--json', '--no-directory'], {
      ZB_ADMIN_PASSWORD: emu.adminPassword,
    });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ itemsNew: 0, itemsChanged: 0, itemsDeleted: 0 });

    const s = await cli(['status', '--repo', repo, '--json']);
    const status = JSON.parse(s.out) as { accounts: Array<{ name: string; items: number }> };
    expect(status.accounts.find((a) => a.name === 'cli@example.test')?.items).toBeGreaterThan(1);

    const ls = await cli(['ls', '--repo', repo, '--account', 'cli@example.test', '--folder', '/Inbox', '--json']);
    const { items } = JSON.parse(ls.out) as { items: Array<{ kind: string; path: string }> };
    expect(items.filter((i) => i.kind === 'message').map((i) => i.path)).toEqual(['/Inbox']);
  });

  it('fails with one line and a non-zero exit on bad input, never echoing the password', async () => {
    const noPw = await cli(['backup', '--repo', join(dir, 'r2'), '--server', emu.adminUrl, '--admin', emu.adminUser]);
    expect(noPw.code).toBe(2);
    expect(noPw.err.trim().split('\n')).toHaveLength(1);
    expect(noPw.err).toMatch(/^ZB_INVALID_ARGUMENT: /);
    await writeFile(join(dir, 'bad'), 'wrong-password-123\n');
    const bad = await cli([
      'backup',
      '--repo',
      join(dir, 'r3'),
      '--server',
      emu.adminUrl,
      '--admin',
      emu.adminUser,
      '--password-file',
      join(dir, 'bad'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/account\.AUTH_FAILED/);
    expect(bad.err + bad.out).not.toContain('wrong-password-123');
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    const help = await cli(['backup', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--password-file/);
  });
});

describe('CLI: unlock', () => {
  it('lists locks, keeps a live one, and removes it only with --force', async () => {
    const repo = join(dir, 'repo-unlock');
    const { initRepository } = await import('../../src/repository/repository.js');
    const { LocalBackend } = await import('../../src/store/backends/local.js');
    const repository = await initRepository({ backend: new LocalBackend({ root: repo }) });
    const lock = await repository.lock({ owner: 'backup' });
    const list = await cli(['unlock', '--repo', repo, '--json']);
    const first = JSON.parse(list.out) as { locks: Array<{ id: string; stale: boolean }>; removed: unknown[] };
    expect(first.locks).toHaveLength(1);
    expect(first.locks[0]!.stale).toBe(false);
    expect(first.removed).toEqual([]);
    const forced = JSON.parse((await cli(['unlock', '--repo', repo, '--force', '--json'])).out) as {
      removed: Array<{ id: string }>;
    };
    expect(forced.removed.map((r) => r.id)).toEqual([lock.id]);
    await lock.release().catch(() => undefined);
  });
});
