/**
 * Scenario 1: initial backup (BackupEngine.run into a LocalBackend repository, fsync on) with compression none
 * and gzip, against the physical limit of the same bytes measured in the same run: sha256 + write + fsync
 * (none), and sha256 + gzip + write + fsync (gzip), 4 files at a time like the engine's blob puts.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import pLimit from 'p-limit';
import { BackupEngine, type BackupResult } from '../../src/backup/index.js';
import type { Repository } from '../../src/repository/repository.js';
import { contentBlobs, newRepository, type BenchServer } from '../lib/setup.js';
import { mb, mbps, perSec, type BenchRow } from '../lib/table.js';
import { note, timed } from '../lib/timing.js';

const gzipAsync = promisify(gzip);

/** sha256 + (gzip) + write + fsync of every blob, `concurrency` at a time; returns bytes written. */
export async function physicalWrite(blobs: Buffer[], dir: string, compress: boolean, concurrency = 4): Promise<number> {
  const limit = pLimit(concurrency);
  let written = 0;
  await Promise.all(blobs.map((b, i) => limit(async () => {
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
  })));
  return written;
}

/** Result of the initial backup scenario: the gzip repository stays for the next scenarios. */
export interface InitialBackupOutcome {
  rows: BenchRow[];
  repository: Repository;
  root: string;
  result: BackupResult;
}

/** Runs scenario 1; the `none` repository is deleted, the gzip one returned. */
export async function initialBackup(server: BenchServer, scratch: string): Promise<InitialBackupOutcome> {
  const blobs = contentBlobs(server.emu, server.accounts);
  const blobBytes = blobs.reduce((n, b) => n + b.length, 0);
  const rows: BenchRow[] = [];
  let kept: InitialBackupOutcome | undefined;
  for (const compression of ['none', 'gzip'] as const) {
    const rawDir = await mkdtemp(join(scratch, `raw-${compression}-`));
    note(`1. physical limit (${compression}): ${blobs.length} blobs, ${mb(blobBytes)}`);
    const limit = await timed(() => physicalWrite(blobs, rawDir, compression === 'gzip'));
    await rm(rawDir, { recursive: true, force: true });
    note(`1. initial backup (${compression})`);
    const { repository, root } = await newRepository(scratch, `repo-${compression}`, compression);
    const engine = new BackupEngine({ client: server.client, repository, accounts: server.accounts, logger: false });
    const run = await timed(() => engine.run());
    const r = run.value;
    if (r.failures.length > 0) throw new Error(`initial backup failed: ${JSON.stringify(r.failures.slice(0, 3))}`);
    const items = r.itemsNew;
    rows.push({
      scenario: `1. initial backup, ${compression}`,
      ours: `${perSec(items, run.ms)}, ${mbps(r.bytesDownloaded, run.ms)} (${items} items, ${mb(r.bytesDownloaded)} in ${(run.ms / 1000).toFixed(1)} s)`,
      baseline: `sha256${compression === 'gzip' ? ' + gzip' : ''} + write + fsync: ${mbps(blobBytes, limit.ms)}`,
      ratio: (r.bytesDownloaded / run.ms) / (blobBytes / limit.ms),
      ratioMeaning: 'of the limit',
      data: { compression, items, bytesDownloaded: r.bytesDownloaded, bytesStored: r.bytesStored, ms: run.ms, cpuMs: run.cpuMs, limitBytes: blobBytes, limitMs: limit.ms, limitWritten: limit.value },
    });
    if (compression === 'gzip') kept = { rows, repository, root, result: r };
    else await rm(root, { recursive: true, force: true });
  }
  return kept!;
}
