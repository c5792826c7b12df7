/**
 * Scenario 6: `check --full` (checkRepository with full: true: read, decode and re-hash every referenced blob)
 * against raw sha256 of the same blobs: each stored blob file read and hashed, 8 at a time (the I/O and hashing
 * floor of any full check). The sha256 of the decoded contents in memory is kept in the JSON as the CPU floor.
 *
 * Format 2: also against the tight loop of bench/lib/pack-loop.ts (read each pack, gunzip and sha256 every blob
 * its trailer lists, nothing else). What check --full does beyond it: read and verify every journal segment
 * and checkpoint (line checksums, record validation) to find the referenced blobs, load the index, list the
 * packs, check each pack's header and footer (magic, version, entry count, CRC of the entry table), each blob
 * header, each decoded size against the header and the journal, each digest against the index and the
 * journal's reference, and report unreferenced blobs and orphan packs. Both run twice, alternating; the best of
 * each is compared, by wall time and by CPU time, and the check's CPU until its first blob (journals, index,
 * listing) is reported apart.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { Repository } from '../../src/repository/repository.js';
import { decodePacks } from '../lib/pack-loop.js';
import { contentBlobs, type BenchServer } from '../lib/setup.js';
import { mb, mbps, perSec, type BenchRow } from '../lib/table.js';
import { note, timed } from '../lib/timing.js';

type MaintenanceModule = typeof import('../../src/maintenance/check.js');

/** Reads and hashes every file under `dir` (the stored blobs); returns files and bytes. */
async function hashFiles(dir: string): Promise<{ files: number; bytes: number }> {
  const paths: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) paths.push(join(e.parentPath, e.name));
  const limit = pLimit(8);
  let bytes = 0;
  await Promise.all(
    paths.map((p) =>
      limit(async () => {
        const b = await readFile(p);
        createHash('sha256').update(b).digest();
        bytes += b.length;
      }),
    ),
  );
  return { files: paths.length, bytes };
}

/** Runs scenario 6, or a row saying why it cannot; `root` is the LocalBackend directory of `repository`. */
export async function checkFull(server: BenchServer, repository: Repository, root: string): Promise<BenchRow[]> {
  let mod: MaintenanceModule;
  try {
    mod = await import('../../src/maintenance/check.js');
  } catch (err) {
    return [{ scenario: '6. check --full', ours: 'check not available', baseline: '-', data: { error: String(err) } }];
  }
  const v2 = repository.config.version >= 2;
  // Two rounds of each, alternating (loop, check, loop, check), and the best of each side: a load
  // spike during one run does not decide the ratio. CPU-seconds are reported beside wall time.
  type Check = Awaited<ReturnType<MaintenanceModule['checkRepository']>>;
  const checks: Array<{ value: Check; ms: number; cpuMs: number; journalsCpuMs: number }> = [];
  const loops: Array<Awaited<ReturnType<typeof timed<Awaited<ReturnType<typeof decodePacks>>>>>> = [];
  for (let round = 0; round < 2; round++) {
    if (v2) {
      note(`6. baseline: read + decode + sha256 of the packs (tight loop), round ${round + 1}`);
      loops.push(await timed(() => decodePacks(join(root, 'packs'))));
    }
    note(`6. check --full, round ${round + 1}`);
    const c0 = process.cpuUsage();
    let journalsCpuMs = Number.NaN;
    const c = await timed(() =>
      mod.checkRepository({
        repository,
        full: true,
        // CPU until the first blob: journals and checkpoints read, index loaded, packs listed.
        onProgress: (e) => {
          if (e.phase === 'blobs' && Number.isNaN(journalsCpuMs)) {
            const u = process.cpuUsage(c0);
            journalsCpuMs = (u.user + u.system) / 1000;
          }
        },
      }),
    );
    checks.push({ ...c, journalsCpuMs });
  }
  const c = checks.reduce((a, b) => (b.ms < a.ms ? b : a));
  const cCpu = Math.min(...checks.map((x) => x.cpuMs));
  const r = c.value;
  note('6. baseline: read + sha256 of the blob files');
  const files = await timed(() => hashFiles(join(root, v2 ? 'packs' : 'blobs')));
  const packs = v2 ? loops.reduce((a, b) => (b.ms < a.ms ? b : a)) : undefined;
  const loopCpu = Math.min(...loops.map((x) => x.cpuMs));
  // CPU floor: sha256 of one copy of each content, in memory.
  const seen = new Map<string, Buffer>();
  for (const b of contentBlobs(server.emu, server.accounts)) seen.set(createHash('sha256').update(b).digest('hex'), b);
  const unique = [...seen.values()];
  const memBytes = unique.reduce((n, b) => n + b.length, 0);
  const h = await timed(async () => {
    for (const b of unique) createHash('sha256').update(b).digest();
  });
  const packRows: BenchRow[] = packs
    ? [
        {
          scenario: '6. check --full vs a tight read + decode + sha256 loop over the packs (best of 2 each)',
          ours: `${mbps(r.bytesChecked, c.ms)} decoded; ${(cCpu / 1000).toFixed(2)} CPU-s, of which journals + index ${(Math.min(...checks.map((x) => x.journalsCpuMs)) / 1000).toFixed(2)}`,
          baseline: `${packs.value.files} packs, ${packs.value.blobs} blobs: ${mbps(packs.value.bytes, packs.ms)} decoded; ${(loopCpu / 1000).toFixed(2)} CPU-s`,
          ratio: r.bytesChecked / c.ms / (packs.value.bytes / packs.ms),
          ratioMeaning: `of the tight loop, wall (target >= 0.7); by CPU ${(loopCpu / packs.value.bytes / (cCpu / r.bytesChecked) || 0).toFixed(2)}x`,
          data: {
            loopMs: packs.ms,
            loopCpuMs: packs.cpuMs,
            loops: loops.map((x) => ({ ms: x.ms, cpuMs: x.cpuMs })),
            checks: checks.map((x) => ({ ms: x.ms, cpuMs: x.cpuMs, journalsCpuMs: x.journalsCpuMs })),
            ...packs.value,
          },
        },
      ]
    : [];
  return [
    ...packRows,
    {
      scenario: '6. check --full throughput',
      ours: `${perSec(r.blobsChecked, c.ms, 'blobs/s')}, ${mbps(r.bytesChecked, c.ms)} decoded (${r.blobsChecked} blobs, ${mb(r.bytesChecked)}, ${r.errors} errors)`,
      baseline: `read + sha256 of the ${files.value.files} blob files: ${perSec(files.value.files, files.ms, 'blobs/s')}, ${mbps(files.value.bytes, files.ms)} stored`,
      ratio: r.blobsChecked / c.ms / (files.value.files / files.ms),
      ratioMeaning: 'of the raw rate (blobs/s)',
      data: {
        ms: c.ms,
        cpuMs: c.cpuMs,
        records: r.records,
        blobs: r.blobsChecked,
        bytesChecked: r.bytesChecked,
        errors: r.errors,
        problems: r.problems.slice(0, 5),
        fileMs: files.ms,
        files: files.value.files,
        fileBytes: files.value.bytes,
        memSha256Bytes: memBytes,
        memSha256Ms: h.ms,
        memSha256MBps: memBytes / 1e3 / h.ms,
      },
    },
  ];
}
