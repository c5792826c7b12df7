/**
 * Issue #15, error messages and first contact: an authentication failure leaves no repository
 * behind, fault codes are printed once, connection errors name the host, user mistakes are
 * ZB_INVALID_ARGUMENT (exit 2) rather than ZB_INTERNAL, `init` exists (the errors point to it),
 * and `backup --accounts ghost,user1` backs up user1 and reports ghost.
 */
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runMain as cli, serverArgs, writePasswordFile } from '../helpers/cli.js';

let emu: Emulator;
let dir: string;
let goodPw: string;
let badPw: string;

beforeAll(async () => {
  emu = await startEmulator({ domain: 'example.test' });
  emu.createAccount('user1@example.test', 'pw1');
  emu.deliver('user1@example.test', 'From: a@b.test\r\nSubject: one\r\n\r\none\r\n');
  dir = await mkdtemp(join(tmpdir(), 'zb-errors-'));
  goodPw = join(dir, 'good.pw');
  badPw = join(dir, 'bad.pw');
  await writePasswordFile(goodPw, emu.adminPassword);
  await writeFile(badPw, 'not-the-password\n');
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe('first contact and error messages', () => {
  it('an authentication failure against a new --repo path creates nothing, and says AUTH_FAILED once', async () => {
    const repo = join(dir, 'new-repo');
    for (const cmd of ['backup', 'watch']) {
      const r = await cli([cmd, '--repo', repo, ...serverArgs(emu, badPw)]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^account\.AUTH_FAILED: authentication failed/m);
      expect(r.err).not.toMatch(/account\.AUTH_FAILED: account\.AUTH_FAILED/);
      expect(await exists(repo)).toBe(false);
    }
  });

  it('a connection error names the host it could not reach', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const r = await cli([
      'backup',
      '--repo',
      join(dir, 'r-conn'),
      '--server',
      `http://127.0.0.1:${port}`,
      '--admin',
      'admin',
      '--password-file',
      goodPw,
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(`^ZB_TRANSPORT: POST http://127\\.0\\.0\\.1:${port}/service/admin/soap: ECONNREFUSED`, 'm'),
    );
    expect(await exists(join(dir, 'r-conn'))).toBe(false);
  });

  it('user mistakes are ZB_INVALID_ARGUMENT with exit 2, not ZB_INTERNAL', async () => {
    const base = ['backup', '--repo', join(dir, 'r-x'), '--admin', 'admin', '--password-file', goodPw];
    for (const [extra, message] of [
      [['--server', 'not a url'], /--server must be an http\(s\) URL/],
      [['--server', 'ftp://host:7071'], /--server must be an http\(s\) URL/],
      [['--server', emu.adminUrl, '--mail-url', 'mail.example.com'], /--mail-url must be an http\(s\) URL/],
      [['--server', emu.adminUrl, '--ca-file', join(dir, 'missing.pem')], /cannot read --ca-file/],
    ] as const) {
      const r = await cli([...base, ...extra]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/^ZB_INVALID_ARGUMENT: /m);
      expect(r.err).toMatch(message);
      expect(r.err).not.toContain('ZB_INTERNAL');
    }
  });

  it('init creates a repository once, with the compression asked for; readers point to it', async () => {
    const repo = join(dir, 'inited');
    const missing = await cli(['ls', '--repo', repo, '--account', 'user1@example.test']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`ZB_NOT_A_REPOSITORY: ${repo} is not a zimbra-backup repository`);
    expect(missing.err).toContain(`zimbra-backup init --repo ${repo}`);

    expect((await cli(['init', '--repo', repo, '--compression', 'lz4'])).code).toBe(2);
    const r = await cli(['init', '--repo', repo, '--compression', 'none', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ repo, compression: 'none' });
    const again = await cli(['init', '--repo', repo]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^ZB_CONFLICT: a repository already exists here/m);
    const status = await cli(['status', '--repo', repo, '--json']);
    expect(status.code).toBe(0);
    expect((await cli(['init', '--help'])).out).toContain('--compression gzip|none|zstd');
  });

  it('backup --accounts ghost,user1 backs up user1 and reports ghost (exit 3)', async () => {
    const repo = join(dir, 'ghost');
    const r = await cli([
      'backup',
      '--repo',
      repo,
      ...serverArgs(emu, goodPw),
      '--accounts',
      'ghost@example.test,user1@example.test',
      '--json',
    ]);
    expect(r.code).toBe(3);
    const res = JSON.parse(r.out) as {
      accounts: number;
      itemsNew: number;
      failures: Array<{ accountId: string; error: string }>;
    };
    expect(res.accounts).toBe(1);
    expect(res.itemsNew).toBeGreaterThan(0);
    expect(res.failures).toEqual([
      { accountId: 'ghost@example.test', error: 'ZB_NOT_FOUND: no such account on the server: ghost@example.test' },
    ]);
    const status = JSON.parse((await cli(['status', '--repo', repo, '--json'])).out) as {
      accounts: Array<{ name: string }>;
    };
    expect(status.accounts.map((a) => a.name)).toEqual(['user1@example.test']);
    const human = await cli([
      'backup',
      '--repo',
      repo,
      ...serverArgs(emu, goodPw),
      '--accounts',
      'ghost@example.test,user1@example.test',
    ]);
    expect(human.err).toContain('failed: account ghost@example.test: ZB_NOT_FOUND: no such account on the server');
  });
});
