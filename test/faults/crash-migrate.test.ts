import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { buildCorpus, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { checkRepository } from '../../src/maintenance/index.js';
import { initRepository, openRepository } from '../../src/repository/repository.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { prepareCli, runCli, spawnCli, type CliRunner } from './support/cli-child.js';
import { mulberry32, sleep } from './support/random.js';
import { diffServer } from './support/verify-repository.js';

// Kill -9 during `zimbra-backup migrate` (format 1 -> 2), rerun, check --full (issue 12).
const SEED = 20261207;
let dir = '';
let emu: Emulator | undefined;
let client: ZimbraClient | undefined;
let cli: CliRunner | undefined;
let template = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zb-crash-migrate-'));
  emu = await startEmulator({ domain: 'migrate.test' });
  client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 2, retryBaseDelayMs: 10 });
  cli = await prepareCli();
  await emu.seed(
    buildCorpus({ seed: SEED, accounts: 2, messagesPerAccount: 60, domain: 'migrate.test', spamAssassinDir: null }),
  );
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  template = join(dir, 'template');
  const repo = await initRepository({ backend: new LocalBackend({ root: template }), formatVersion: 1 });
  expect((await new BackupEngine({ client, repository: repo }).run()).failures).toEqual([]);
}, 60_000);

afterAll(async () => {
  client?.close();
  await emu?.close();
  await cli?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function verify(repoDir: string): Promise<string[]> {
  const repo = await openRepository({ backend: new LocalBackend({ root: repoDir }) });
  const problems: string[] = [];
  if (repo.config.version !== 2) problems.push(`version ${repo.config.version}`);
  problems.push(...(await diffServer(emu!, repo)));
  const check = await checkRepository({ repository: repo, full: true });
  problems.push(...check.problems.filter((p) => p.severity === 'error').map((p) => `${p.kind} ${p.digest ?? p.key}`));
  const left = await readdir(join(repoDir, 'blobs')).catch(() => [] as string[]);
  const files = (await Promise.all(left.map((d) => readdir(join(repoDir, 'blobs', d), { recursive: true })))).flat();
  if (files.some((f) => /[0-9a-f]{64}$/.test(String(f)))) problems.push('format 1 blob objects left');
  return problems;
}

/** Pack files written so far (packs/<2 hex>/<id>). */
async function countPacks(repoDir: string): Promise<number> {
  const files = await readdir(join(repoDir, 'packs'), { recursive: true }).catch(() => [] as string[]);
  return files.filter((f) => /[0-9a-f]{16,}$/.test(String(f))).length;
}

describe('crash: SIGKILL during migrate, then rerun', () => {
  it('4 kill points: every rerun completes and check --full is clean', async () => {
    const rnd = mulberry32(SEED);
    const args = (repoDir: string): string[] => ['migrate', '--repo', repoDir, '--pack-size', '8192', '--json'];
    // Reference: an uninterrupted run, timed.
    const ref = join(dir, 'reference');
    await cp(template, ref, { recursive: true });
    const t0 = Date.now();
    const r0 = await runCli(cli!, args(ref));
    const ms = Date.now() - t0;
    expect(r0.code, r0.stderr).toBe(0);
    expect(JSON.parse(r0.stdout)).toMatchObject({ fromVersion: 1, complete: true });
    expect(await verify(ref)).toEqual([]);
    const refPacks = await countPacks(ref);
    expect(refPacks).toBeGreaterThan(4);

    const problems: string[] = [];
    let killed = 0;
    for (let i = 0; i < 4; i++) {
      const repoDir = join(dir, `point-${i}`);
      await cp(template, repoDir, { recursive: true });
      const proc = spawnCli(cli!, args(repoDir));
      let done = false;
      void proc.exited.then(
        () => (done = true),
        () => (done = true),
      );
      if (i % 2 === 0) {
        // Even points: after the k-th pack file appears. Timing alone is not enough on a loaded
        // machine (a run timed once can finish before a timed kill), so half the points are tied
        // to progress and always land mid-migration.
        const k = Math.max(1, Math.floor(refPacks * (0.2 + 0.6 * rnd())));
        while (!done && (await countPacks(repoDir)) < k) await sleep(2);
      } else {
        await sleep(Math.floor(ms * (0.3 + 0.6 * rnd())));
      }
      if (!done) proc.child.kill('SIGKILL');
      const r = await proc.exited;
      if (r.signal === 'SIGKILL') killed++;
      const rerun = await runCli(cli!, args(repoDir));
      if (rerun.code !== 0) problems.push(`point ${i}: rerun exited ${rerun.code}: ${rerun.stderr.slice(0, 300)}`);
      else problems.push(...(await verify(repoDir)).map((p) => `point ${i}: ${p}`));
      await rm(repoDir, { recursive: true, force: true });
    }
    expect(problems).toEqual([]);
    expect(killed).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
