/**
 * `backup --shard` live: two CLI processes, `--shard 1/2` and `--shard 2/2`, run at the same time
 * against one emulator and one s3rver repository (shared locks, DESIGN "Several writers"). The
 * result must be one complete, consistent backup: each process reports exactly the accounts of
 * its shard, together every account once, each account's journal equals its mailbox, the
 * account index lists every account once, and `check --full` is clean. (A message both processes
 * store at the same moment may be packed twice: FORMAT.md allows that within the blob-index
 * refresh window, so it is not asserted either way.)
 *
 * The shard is a hash of the zimbraId (selection.ts `shardOf`) and the emulator's ids are random,
 * so accounts are added until each shard holds at least two: an empty shard would make its engine
 * idle and the test weaker (the flake of an earlier session came from exactly that).
 * Every wait is a process exit; nothing is timed. It runs in a few seconds besides start-up.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { shardOf } from '../../src/backup/selection.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { initRepository, openRepository } from '../../src/repository/repository.js';
import { S3Backend } from '../../src/store/backends/s3.js';
import { diffMailbox } from '../integration/backup-helpers.js';
import { prepareCli, spawnCli, type CliRunner } from '../faults/support/cli-child.js';

const s3 = inject('s3');
const live = s3.unavailable === undefined ? s3 : undefined;
if (live === undefined) console.warn(`\n*** LIVE SHARD S3 TEST SKIPPED: ${s3.unavailable ?? ''}\n`);

describe.skipIf(live === undefined)('backup --shard 1/2 and 2/2 at once on one S3 repository (s3rver)', () => {
  let emu: Emulator | undefined;
  let cli: CliRunner | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    [cli, dir] = await Promise.all([prepareCli(), mkdtemp(join(tmpdir(), 'zb-shard-'))]);
  });
  afterAll(async () => {
    await emu?.close();
    await cli?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('two shard processes together back up every account once, consistently', async () => {
    emu = await startEmulator({ domain: 'example.test' });
    const byShard = new Map<number, string[]>([
      [1, []],
      [2, []],
    ]);
    // Random zimbraIds: add accounts until both shards hold two (the chance of needing more than
    // a few is negligible; the cap only guards against a broken hash).
    for (let i = 1; [...byShard.values()].some((l) => l.length < 2); i++) {
      if (i > 64) throw new Error('64 accounts and a shard still holds fewer than two: shardOf is broken');
      const name = `s${i}@example.test`;
      const a = emu.createAccount(name, 'pw');
      byShard.get(shardOf(a.id, 2))!.push(name);
      emu.deliver(
        name,
        `From: a@example.test\r\nSubject: own ${i}\r\nMessage-ID: <own-${i}@shard>\r\n\r\nbody ${i}\r\n`,
      );
      emu.deliver(name, `From: a@example.test\r\nSubject: kept ${i}\r\n\r\nkept ${i}\r\n`, {
        flags: 'f',
        folderPath: '/Inbox/kept',
      });
      // the same message in every mailbox: both processes store it at once
      emu.deliver(name, 'From: all@example.test\r\nSubject: shared\r\nMessage-ID: <shared@shard>\r\n\r\nsame\r\n');
    }
    // every account of the server is backed up, the admin's own too
    const all = emu.accounts();
    const names = all.map((a) => a.name);
    const ids = new Map(all.map((a) => [a.name, a.id]));
    const perShard = [1, 2].map((i) => all.filter((a) => shardOf(a.id, 2) === i).length);

    const prefix = `zb-shard-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const backend = (): S3Backend =>
      new S3Backend({
        bucket: live!.bucket,
        prefix,
        endpoint: live!.endpoint,
        region: live!.region,
        forcePathStyle: true,
        credentials: { accessKeyId: live!.accessKeyId, secretAccessKey: live!.secretAccessKey },
      });
    await initRepository({ backend: backend(), compression: 'gzip' });
    const repoUrl = `s3://${live!.bucket}/${prefix}?endpoint=${encodeURIComponent(live!.endpoint)}&region=${live!.region}&path-style=true`;
    await writeFile(join(dir!, 'admin.pw'), `${emu.adminPassword}\n`, { mode: 0o600 });
    // Credentials reach the processes through the SDK's environment chain, never argv.
    const env = { AWS_ACCESS_KEY_ID: live!.accessKeyId, AWS_SECRET_ACCESS_KEY: live!.secretAccessKey };
    const server = [
      '--server',
      emu.adminUrl,
      '--mail-url',
      emu.url,
      '--admin',
      emu.adminUser,
      '--password-file',
      join(dir!, 'admin.pw'),
    ];
    const shard = (i: number) =>
      spawnCli(cli!, ['backup', '--repo', repoUrl, ...server, '--shard', `${i}/2`, '--json', '--progress', 'none'], env)
        .exited;

    // Both at once: neither waits for the other (shared locks).
    const [one, two] = await Promise.all([shard(1), shard(2)]);
    for (const [i, r] of [one, two].entries()) expect(r.code, `shard ${i + 1}/2: ${r.stderr}`).toBe(0);
    const results = [one, two].map((r) => JSON.parse(r.stdout) as { accounts: number; failures: unknown[] });
    expect(results.map((r) => r.failures)).toEqual([[], []]);
    // each process took exactly its shard's accounts; together every account once
    expect(results.map((r) => r.accounts)).toEqual(perShard);

    const repo = await openRepository({ backend: backend() });
    const index = await repo.accounts();
    const indexed = index.map((a) => a.id).sort();
    expect(indexed).toEqual([...new Set(indexed)]); // no account twice
    expect(indexed).toEqual(names.map((n) => ids.get(n)!).sort());
    for (const name of names) {
      const j = await repo.journal(ids.get(name)!, { readOnly: true });
      try {
        expect(diffMailbox(emu, name, j.current()), name).toEqual([]);
      } finally {
        await j.close();
      }
    }

    // check --full through the CLI: every journal intact, every referenced blob re-hashed.
    const check = await spawnCli(cli!, ['check', '--repo', repoUrl, '--full', '--json', '--progress', 'none'], env)
      .exited;
    expect(check.code, check.stderr).toBe(0);
    const result = JSON.parse(check.stdout) as { ok: boolean; errors: number; accounts: number };
    expect(result).toMatchObject({ ok: true, errors: 0, accounts: names.length });
  }, 120_000);
});
