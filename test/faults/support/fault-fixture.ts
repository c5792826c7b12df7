/**
 * A small emulator + repository fixture for fault-injection suites: the repository sits on a
 * LocalBackend (real temp files, renames) behind a FaultyBackend and a RetryBackend, as the CLI
 * stacks S3 (STYLE.md: retries and faults are wrapper backends).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCorpus, startEmulator, type Emulator } from '../../../src/emulator/index.js';
import { initRepository, openRepository, type Repository } from '../../../src/repository/repository.js';
import { ZimbraClient, type ZimbraClientOptions } from '../../../src/soap/zimbra-client.js';
import { LocalBackend } from '../../../src/store/backends/local.js';
import { RetryBackend } from '../../../src/store/backends/retry.js';
import { FaultyBackend } from '../../../src/testing/faulty-backend.js';
import { checkReferencedBlobs, diffServer } from './verify-repository.js';

/** Emulator, client, repository on faulty local storage, and a scratch directory. */
export interface FaultFixture {
  emu: Emulator;
  client: ZimbraClient;
  dir: string;
  repoDir: string;
  faulty: FaultyBackend;
  repo: Repository;
  /** Re-opens the repository on the plain local backend (no faults), as the next run would. */
  reopen(): Promise<Repository>;
  /** Server vs repository differences and unreadable blobs (empty when consistent). */
  check(repo?: Repository): Promise<string[]>;
  close(): Promise<void>;
}

/** Starts the emulator with a small seeded corpus and an empty repository. */
export async function faultFixture(
  opts: { seed?: number; messages?: number; client?: Partial<ZimbraClientOptions> } = {},
): Promise<FaultFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'zb-faults-'));
  const repoDir = join(dir, 'repo');
  const emu = await startEmulator({ domain: 'faults.test' });
  await emu.seed(
    buildCorpus({
      seed: opts.seed ?? 5,
      accounts: 1,
      messagesPerAccount: opts.messages ?? 12,
      domain: 'faults.test',
      spamAssassinDir: null,
      contactsPerAccount: 2,
      calendarPerAccount: 1,
      documentsPerAccount: 1,
      attachmentShare: 0.3,
    }),
  );
  const client = new ZimbraClient({
    url: emu.url,
    adminUrl: emu.adminUrl,
    retries: 3,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    ...opts.client,
  });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  const faulty = new FaultyBackend(new LocalBackend({ root: repoDir }));
  const repo = await initRepository({
    backend: new RetryBackend(faulty, { minDelayMs: 1, maxDelayMs: 5 }),
    compression: 'gzip',
    // Format v2 with small packs, so a run writes many packs for the faults to hit.
    packSize: 8 * 1024,
  });
  const fx: FaultFixture = {
    emu,
    client,
    dir,
    repoDir,
    faulty,
    repo,
    reopen: () => openRepository({ backend: new LocalBackend({ root: repoDir }) }),
    async check(r) {
      const target = r ?? (await fx.reopen());
      const ids = emu.accounts().map((a) => a.id);
      const blobs = await checkReferencedBlobs(target, ids);
      return [...(await diffServer(emu, target)), ...blobs.problems.map((p) => `bad blob ${p}`)];
    },
    async close() {
      client.close();
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return fx;
}

/** Every file under `dir`, relative, sorted (to find temp files and writes in the wrong place). */
export async function treeOf(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  }
  return out.sort();
}
