import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { buildCorpus, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { checkRepository } from '../../src/maintenance/index.js';
import { initRepository, openRepository } from '../../src/repository/repository.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { prepareCli, runCli, spawnCli, type CliRunner } from './support/cli-child.js';
import { mulberry32, randomBody, sleep } from './support/random.js';
import { checkReferencedBlobs, diffServer } from './support/verify-repository.js';

// Kill -9 during `zimbra-backup purge` (child process), rerun, check (DESIGN.md section 6, issue 7).
const SEED = 20261127;
let dir = '';
let emu: Emulator | undefined;
let client: ZimbraClient | undefined;
let cli: CliRunner | undefined;
let template = '';

async function listFiles(root: string, sub: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(root, p));
    }
  };
  await walk(join(root, sub));
  return out.sort();
}

/** The blobs the repository's index lists (format v2: packs; the digests, sorted). */
async function indexedBlobs(root: string): Promise<string[]> {
  const repo = await openRepository({ backend: new LocalBackend({ root }) });
  const out: string[] = [];
  for await (const d of repo.blobs.list()) out.push(d);
  return out.sort();
}

const locksOf = async (repoDir: string): Promise<string[]> =>
  (await readdir(join(repoDir, 'locks')).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));

beforeAll(async () => {
  const rnd = mulberry32(SEED);
  dir = await mkdtemp(join(tmpdir(), 'zb-crash-purge-'));
  emu = await startEmulator({ domain: 'purge.test' });
  client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 2, retryBaseDelayMs: 10 });
  cli = await prepareCli();
  await emu.seed(
    buildCorpus({
      seed: SEED,
      accounts: 2,
      messagesPerAccount: 40,
      domain: 'purge.test',
      spamAssassinDir: null,
      calendarPerAccount: 2,
      documentsPerAccount: 1,
      contactsPerAccount: 3,
    }),
  );
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  template = join(dir, 'template');
  // Small packs, so the purge deletes and rewrites several of them (format v2 garbage collection).
  const repo = await initRepository({ backend: new LocalBackend({ root: template }), packSize: 16 * 1024 });
  expect(repo.config.version).toBe(2);
  const engine = new BackupEngine({ client, repository: repo });
  expect((await engine.run()).failures).toEqual([]);
  // History: new mail, deletes (deleted items with their blobs), moves, flag and tag changes (new versions).
  for (let round = 0; round < 3; round++) {
    await sleep(20);
    for (const a of emu.accounts()) {
      if (a.name.startsWith('admin@')) continue;
      for (let k = 0; k < 10; k++)
        emu.deliver(
          a.name,
          `From: feed@purge.test\r\nTo: ${a.name}\r\nSubject: r${round} ${k} ${rnd().toString(36).slice(2)}\r\n\r\n${randomBody(rnd, 2_000 + Math.floor(rnd() * 20_000))}\r\n`,
        );
      const msgs = emu.snapshot(a.name).items.filter((it) => it.type === 'message');
      for (let k = 0; k < 16 && msgs.length > 3; k++) {
        const victim = msgs.splice(Math.floor(rnd() * msgs.length), 1)[0]!;
        if (k < 8) emu.deleteItem(a.name, victim.id);
        else if (k < 11) emu.move(a.name, victim.id, emu.folderId(a.name, '/Trash'));
        else if (k < 14) emu.setFlags(a.name, victim.id, 'f');
        else emu.setTags(a.name, victim.id, [`t${k}`]);
      }
    }
    expect((await engine.run()).failures).toEqual([]);
  }
  // Every capture is now older than the 1 s retention used below.
  await sleep(1_200);
}, 60_000);

afterAll(async () => {
  client?.close();
  await emu?.close();
  await cli?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The repository after the purge: journals equal the server, full check clean, every referenced blob reads back. */
async function verify(repoDir: string): Promise<string[]> {
  const repo = await openRepository({ backend: new LocalBackend({ root: repoDir }) });
  const problems: string[] = [];
  problems.push(...(await diffServer(emu!, repo)));
  const ids = emu!.accounts().map((a) => a.id);
  const blobs = await checkReferencedBlobs(repo, ids);
  problems.push(...blobs.problems.map((p) => `bad blob ${p}`));
  const check = await checkRepository({ repository: repo, full: true });
  problems.push(
    ...check.problems
      .filter((p) => p.severity === 'error')
      .map((p) => `check --full: ${p.kind} ${JSON.stringify(p).slice(0, 300)}`),
  );
  const left = await locksOf(repoDir);
  if (left.length > 0) problems.push(`locks left: ${left.join(', ')}`);
  return problems;
}

describe('crash: SIGKILL during a purge, then rerun', () => {
  it('5 kill points: the dead holder lock does not block, the rerun converges to an uninterrupted purge', async () => {
    const rnd = mulberry32(SEED + 1);
    const purge = (repoDir: string): string[] => ['purge', '--repo', repoDir, '--retention', '1s', '--force', '--json'];

    // Reference: an uninterrupted purge on a copy, timed from taking the lock to its exit.
    const ref = join(dir, 'reference');
    await cp(template, ref, { recursive: true });
    const blobsBefore = await indexedBlobs(template);
    const packsBefore = await listFiles(template, 'packs');
    const p0 = spawnCli(cli!, purge(ref));
    let exited = false;
    void p0.exited.then(
      () => (exited = true),
      () => (exited = true),
    );
    while (!exited && (await locksOf(ref)).length === 0) await sleep(2);
    const locked = Date.now();
    const r0 = await p0.exited;
    const purgeMs = Date.now() - locked;
    expect(r0.code, r0.stderr).toBe(0);
    const result = JSON.parse(r0.stdout) as {
      versionsRemoved: number;
      deletesRemoved: number;
      blobsRemoved: number;
      blobsKept: number;
      packsDeleted: number;
      packsRewritten: number;
    };
    // The purge has real work to do: old versions, deleted items and their blobs.
    expect(result.versionsRemoved).toBeGreaterThan(0);
    expect(result.deletesRemoved).toBeGreaterThan(0);
    expect(result.blobsRemoved).toBeGreaterThan(0);
    expect(result.packsDeleted + result.packsRewritten).toBeGreaterThan(0);
    expect(await verify(ref)).toEqual([]);
    const blobsAfter = await indexedBlobs(ref);
    expect(blobsAfter.length).toBeLessThan(blobsBefore.length);
    expect(blobsAfter.length).toBe(blobsBefore.length - result.blobsRemoved);
    // Space is really reclaimed: dead packs go, thin ones are rewritten.
    const packsAfter = await listFiles(ref, 'packs');
    expect(packsAfter.filter((p) => packsBefore.includes(p)).length).toBeLessThan(packsBefore.length);

    const problems: string[] = [];
    let killedMidWork = 0;
    let lockLeft = 0;
    for (let i = 0; i < 5; i++) {
      const repoDir = join(dir, `point-${i}`);
      await cp(template, repoDir, { recursive: true });
      // Spread over the measured lock-to-exit time of the uninterrupted purge.
      const delay = Math.floor(rnd() * 0.9 * Math.max(20, purgeMs));
      const proc = spawnCli(cli!, purge(repoDir));
      let done = false;
      void proc.exited.then(
        () => (done = true),
        () => (done = true),
      );
      const deadline = Date.now() + 30_000;
      while (!done && Date.now() < deadline && (await locksOf(repoDir)).length === 0) await sleep(2);
      if (!done) await sleep(delay);
      if (!done) proc.child.kill('SIGKILL');
      const r = await proc.exited;
      const killed = r.signal === 'SIGKILL';
      if (killed) killedMidWork++;
      else if (r.code !== 0) problems.push(`point ${i}: purge failed before the kill: ${r.stderr.slice(0, 300)}`);
      if ((await locksOf(repoDir)).length > 0) lockLeft++;
      if (process.env['ZB_CRASH_LOG'])
        process.stderr.write(
          `purge ${purgeMs} ms; point ${i}: kill after ${delay} ms: ${r.signal ?? `exit ${r.code}`}\n`,
        );
      // The rerun (same host) must remove the dead holder's lock by itself and finish the job.
      const rerun = await runCli(cli!, purge(repoDir));
      if (rerun.code !== 0) {
        problems.push(`point ${i} (kill after ${delay} ms): rerun exited ${rerun.code}: ${rerun.stderr.slice(0, 300)}`);
        continue;
      }
      for (const p of (await verify(repoDir)).slice(0, 10)) problems.push(`point ${i} (kill after ${delay} ms): ${p}`);
      // Converges to exactly what the uninterrupted purge kept.
      const kept = await indexedBlobs(repoDir);
      if (JSON.stringify(kept) !== JSON.stringify(blobsAfter))
        problems.push(
          `point ${i}: blobs kept differ from the uninterrupted purge (${kept.length} vs ${blobsAfter.length})`,
        );
      await rm(repoDir, { recursive: true, force: true });
    }
    expect(problems).toEqual([]);
    // Kills land mid-work (the lock is held when the kill lands), so some leave a dead holder's lock.
    expect(killedMidWork).toBeGreaterThanOrEqual(3);
    expect(lockLeft).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
