/**
 * Scenario 1: initial backup (BackupEngine.run into a LocalBackend repository, fsync on) with compression none
 * and gzip, against the physical limit of the same bytes measured in the same run: sha256 + write + fsync
 * (none), and sha256 + gzip + write + fsync (gzip), 8 files at a time like the engine's item downloads.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import pLimit from 'p-limit';
import { openRepository, type Repository } from '../../src/repository/repository.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { childBackup, type ChildBackupResult } from '../lib/child.js';
import { contentBlobs, type BenchServer } from '../lib/setup.js';
import { mb, mbps, perSec, type BenchRow } from '../lib/table.js';
import { note, timed } from '../lib/timing.js';

const gzipAsync = promisify(gzip);

/** sha256 + (gzip) + write + fsync of every blob, `concurrency` at a time; returns bytes written. */
export async function physicalWrite(blobs: Buffer[], dir: string, compress: boolean, concurrency = 8): Promise<number> {
  const limit = pLimit(concurrency);
  let written = 0;
  await Promise.all(
    blobs.map((b, i) =>
      limit(async () => {
        createHash('sha256').update(b).digest('hex');
        const data = compress ? await gzipAsync(b) : b;
        const fh = await open(join(dir, `b${i}`), 'w');
        try {
          await fh.write(data);
          await fh.sync();
        } finally {
          await fh.close();
        }
        written += data.length;
      }),
    ),
  );
  return written;
}

/**
 * The pack limit (format v2): sha256 + (gzip) of every blob, appended to 16 MiB pack files, each
 * written with one write and one fsync: what the v2 store cannot beat on this machine.
 */
export async function packWrite(
  blobs: Buffer[],
  dir: string,
  compress: boolean,
  packBytes = 16 * 1024 * 1024,
): Promise<number> {
  let written = 0;
  let chunks: Buffer[] = [];
  let size = 0;
  let n = 0;
  const flush = async (): Promise<void> => {
    if (size === 0) return;
    const fh = await open(join(dir, `p${n++}`), 'w');
    try {
      await fh.write(Buffer.concat(chunks, size));
      await fh.sync();
    } finally {
      await fh.close();
    }
    written += size;
    chunks = [];
    size = 0;
  };
  for (const b of blobs) {
    createHash('sha256').update(b).digest('hex');
    const data = compress ? await gzipAsync(b) : b;
    chunks.push(data);
    size += data.length;
    if (size >= packBytes) await flush();
  }
  await flush();
  return written;
}

/** Files under `root` (every object of a local repository). */
async function countFiles(root: string): Promise<number> {
  return (await readdir(root, { withFileTypes: true, recursive: true })).filter((e) => e.isFile()).length;
}

/** Result of the initial backup scenario: the gzip repository stays for the next scenarios. */
export interface InitialBackupOutcome {
  rows: BenchRow[];
  repository: Repository;
  root: string;
  /** The gzip child's figures (also the largest point of the memory scenario). */
  gzip: ChildBackupResult;
}

/**
 * Runs scenario 1; each backup runs in a child process (bench/child-backup.ts) while this process serves as
 * the emulator. The `none` repository is deleted, the gzip one opened and returned. `sampleEvery` measures the
 * physical limit on every n-th blob only, and `noneAccounts` limits the `none` run to the first accounts (both
 * are rates: the quick mode saves their time).
 */
export async function initialBackup(
  server: BenchServer,
  scratch: string,
  sampleEvery = 1,
  noneAccounts = server.accounts.length,
): Promise<InitialBackupOutcome> {
  const rows: BenchRow[] = [];
  let kept: InitialBackupOutcome | undefined;
  for (const compression of ['none', 'gzip'] as const) {
    const accounts = compression === 'none' ? server.accounts.slice(0, noneAccounts) : server.accounts;
    const all = contentBlobs(server.emu, accounts);
    const blobs = all.filter((_, i) => i % sampleEvery === 0);
    const blobBytes = blobs.reduce((n, b) => n + b.length, 0);
    const rawDir = await mkdtemp(join(scratch, `raw-${compression}-`));
    note(`1. physical limit (${compression}): ${blobs.length} of ${all.length} blobs, ${mb(blobBytes)}`);
    const limit = await timed(() => physicalWrite(blobs, rawDir, compression === 'gzip'));
    await rm(rawDir, { recursive: true, force: true });
    const packDir = await mkdtemp(join(scratch, `packs-${compression}-`));
    note(`1. pack limit (${compression})`);
    const packLimit = await timed(() => packWrite(blobs, packDir, compression === 'gzip'));
    await rm(packDir, { recursive: true, force: true });
    note(`1. initial backup (${compression}) in a child process`);
    const root = await mkdtemp(join(scratch, `repo-${compression}-`));
    const r = await childBackup(server, accounts, root, compression);
    rows.push({
      scenario: `1. initial backup, ${compression}${accounts.length < server.accounts.length ? ` (${accounts.length} of ${server.accounts.length} accounts)` : ''}`,
      ours: `${perSec(r.items, r.ms)}, ${mbps(r.bytesDownloaded, r.ms)} (${r.items} items, ${mb(r.bytesDownloaded)} in ${(r.ms / 1000).toFixed(1)} s, ${(r.cpuMs / 1000).toFixed(1)} CPU-s)`,
      baseline: `sha256${compression === 'gzip' ? ' + gzip' : ''} + write + fsync per blob: ${mbps(blobBytes, limit.ms)}`,
      ratio: r.bytesDownloaded / r.ms / (blobBytes / limit.ms),
      ratioMeaning: 'of the per-blob limit',
      data: {
        compression,
        ...r,
        packLimitMs: packLimit.ms,
        packLimitCpuMs: packLimit.cpuMs,
        limitBlobs: blobs.length,
        limitBytes: blobBytes,
        limitMs: limit.ms,
        limitCpuMs: limit.cpuMs,
        limitWritten: limit.value,
      },
    });
    rows.push({
      scenario: `1. initial backup, ${compression}, vs the pack limit`,
      ours: `${mbps(r.bytesDownloaded, r.ms)}`,
      baseline: `sha256${compression === 'gzip' ? ' + gzip' : ''} + append to 16 MiB packs + one fsync per pack: ${mbps(blobBytes, packLimit.ms)}`,
      ratio: r.bytesDownloaded / r.ms / (blobBytes / packLimit.ms),
      ratioMeaning: 'of the pack limit (target >= 0.5)',
      data: { packLimitMs: packLimit.ms, packLimitBytes: blobBytes },
    });
    const files = await countFiles(root);
    rows.push({
      scenario: `1. files (= S3 PUTs) per 10,000 items after the initial backup, ${compression}`,
      ours: `${((files / r.items) * 10_000).toFixed(0)} (${files} objects for ${r.items} items)`,
      baseline: 'target: at most 50',
      data: { files, items: r.items },
    });
    if (compression === 'gzip') {
      const repository = await openRepository({ backend: new LocalBackend({ root }) });
      kept = { rows, repository, root, gzip: r };
    } else {
      await rm(root, { recursive: true, force: true });
    }
  }
  return kept!;
}
