/**
 * Issue #15: every command that reads a time refuses one without a zone, echoes the instant it
 * resolved (UTC) in its output and --json, and warns when that instant is before the account's
 * first backup or after its last commit.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { initRepository } from '../../src/repository/repository.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { runMain as cli, serverArgs, writePasswordFile } from '../helpers/cli.js';

let emu: Emulator;
let dir: string;
let repoDir: string;
let server: string[];
let before: number;
let after: number;
const user = 'user1@example.test';

beforeAll(async () => {
  emu = await startEmulator({ domain: 'example.test' });
  dir = await mkdtemp(join(tmpdir(), 'zb-times-'));
  repoDir = join(dir, 'repo');
  await writePasswordFile(join(dir, 'pw'), emu.adminPassword);
  emu.createAccount(user, 'pw1');
  emu.deliver(user, 'From: a@b.test\r\nSubject: one\r\n\r\none\r\n');
  const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  const repository = await initRepository({ backend: new LocalBackend({ root: repoDir }) });
  before = Date.now() - 60_000;
  expect((await new BackupEngine({ client, repository }).run()).failures).toEqual([]);
  after = Date.now() + 60_000;
  client.close();
  server = serverArgs(emu, join(dir, 'pw'));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

const zoneless = '2026-12-07T00:25:00';

describe('times on the command line', () => {
  it('every time option refuses a zone-less time (exit 2, option named) and writes nothing', async () => {
    const out = join(dir, 'x.tar.gz');
    const cases: string[][] = [
      ['restore', '--repo', repoDir, ...server, '--account', user, '--at', zoneless, '--to-account', 'n@example.test'],
      ['restore-item', '--repo', repoDir, ...server, '--account', user, '--id', '257', '--at', zoneless],
      ['undelete', '--repo', repoDir, ...server, '--account', user, '--from', zoneless, '--to', '2026-12-07T01:00:00Z'],
      ['undelete', '--repo', repoDir, ...server, '--account', user, '--from', '2026-12-07T00:00:00Z', '--to', zoneless],
      ['ls', '--repo', repoDir, '--account', user, '--at', zoneless],
      ['ls', '--repo', repoDir, '--account', user, '--deleted', '--from', '2026-12-07'],
      ['export', '--repo', repoDir, '--out', out, '--at', zoneless],
      ['restore-directory', '--repo', repoDir, ...server, '--at', zoneless, '--dry-run'],
    ];
    for (const argv of cases) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/^ZB_INVALID_ARGUMENT: --(at|from|to) "2026-12-07(T00:25:00)?" has no time zone/m);
    }
    expect(() => emu.snapshot('n@example.test')).toThrow(/no such account/);
  });

  it('ls echoes the resolved instant and warns outside the backed-up range', async () => {
    const at = new Date(after).toISOString().replace('Z', '+00:00');
    const human = await cli(['ls', '--repo', repoDir, '--account', user, '--at', at]);
    expect(human.code).toBe(0);
    expect(human.err).toContain(`items at ${new Date(after).toISOString()} (UTC)`);
    expect(human.err).toMatch(/warning: --at .* is after the last commit of user1@example\.test/);

    const early = await cli([
      'ls',
      '--repo',
      repoDir,
      '--account',
      user,
      '--at',
      new Date(before).toISOString(),
      '--json',
    ]);
    const j = JSON.parse(early.out) as { at: string; warnings: string[]; items: unknown[] };
    expect(j.at).toBe(new Date(before).toISOString());
    expect(j.items).toEqual([]);
    expect(j.warnings).toEqual([expect.stringMatching(/is before the first backup of user1@example\.test kept/)]);
  });

  it('restore --dry-run and undelete echo the instants (text and --json)', async () => {
    // +05:30 on the command line, UTC in the output.
    const local = new Date(after + 5.5 * 3600_000).toISOString().replace('Z', '+05:30');
    const dry = await cli([
      'restore',
      '--repo',
      repoDir,
      ...server,
      '--account',
      user,
      '--at',
      local,
      '--to-account',
      'n2@example.test',
      '--dry-run',
    ]);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`instants (UTC): --at ${new Date(after).toISOString()}`);
    expect(dry.err).toMatch(/warning: --at .* is after the last commit/);
    const j = await cli([
      'restore',
      '--repo',
      repoDir,
      ...server,
      '--account',
      user,
      '--at',
      local,
      '--to-account',
      'n2@example.test',
      '--dry-run',
      '--json',
    ]);
    expect(JSON.parse(j.out)).toMatchObject({ at: new Date(after).toISOString(), targetKind: 'new' });

    const und = await cli([
      'undelete',
      '--repo',
      repoDir,
      ...server,
      '--account',
      user,
      '--from',
      new Date(before).toISOString(),
      '--to',
      new Date(after).toISOString(),
      '--dry-run',
      '--json',
    ]);
    expect(und.code).toBe(0);
    expect(JSON.parse(und.out)).toMatchObject({
      from: new Date(before).toISOString(),
      to: new Date(after).toISOString(),
    });
  });

  it('export states the instant of the archive', async () => {
    const at = new Date(after).toISOString();
    const r = await cli(['export', '--repo', repoDir, '--out', join(dir, 'a.tar.gz'), '--at', at, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ at });
  });
});
