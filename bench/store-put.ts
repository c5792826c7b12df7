/**
 * BlobStore put throughput on the local backend against raw SHA-256 and raw file writes of the same
 * bytes, measured in the same run (issue 3). Not a test: `npx tsx bench/store-put.ts [--mb N]`.
 *
 * Data: real messages of the SpamAssassin corpus (devDependency), plus a few large blobs made by
 * concatenating them. MB/s is uncompressed input per wall-clock second, and per CPU-second of this
 * process (more stable on a shared machine: the wall clock includes waiting for other processes'
 * CPU and for the disk); puts run 4 at a time.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pLimit from 'p-limit';
import { LocalBackend } from '../src/store/backends/local.js';
import { BlobStore } from '../src/store/blob-store.js';
import { loadMessages } from './lib/spamassassin-sample.js';

const arg = process.argv.indexOf('--mb');
const targetMb = arg > 0 ? Number(process.argv[arg + 1]) : 16;
const CONCURRENCY = 4;

interface Row {
  name: string;
  seconds: number;
  cpuSeconds: number;
  bytesIn: number;
  bytesStored?: number;
}

async function time(name: string, bytesIn: number, fn: () => Promise<number | void>): Promise<Row> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const stored = await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  return {
    name,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    bytesIn,
    ...(typeof stored === 'number' ? { bytesStored: stored } : {}),
  };
}

async function rawWrite(dir: string, blobs: Buffer[], fsync: boolean): Promise<void> {
  const limit = pLimit(CONCURRENCY);
  await Promise.all(
    blobs.map((b, i) =>
      limit(async () => {
        const fh = await open(join(dir, `m${i}`), 'w');
        await fh.write(b);
        if (fsync) await fh.sync();
        await fh.close();
      }),
    ),
  );
}

async function storePut(
  blobs: Buffer[],
  compression: 'none' | 'gzip',
  strategy: 'spool' | 'rehash',
  fsync: boolean,
): Promise<number> {
  const root = await mkdtemp(join(tmpdir(), 'zb-bench-repo-'));
  try {
    const store = new BlobStore({ backend: new LocalBackend({ root, fsync }), compression, concurrency: CONCURRENCY });
    const limit = pLimit(CONCURRENCY);
    await Promise.all(
      blobs.map((b) => limit(() => store.put({ size: b.length, open: () => Readable.from([b]) }, { strategy }))),
    );
    return store.stats.bytesStored;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function suite(label: string, blobs: Buffer[]): Promise<Row[]> {
  const bytes = blobs.reduce((n, b) => n + b.length, 0);
  const rows: Row[] = [];
  rows.push(
    await time('raw sha256', bytes, async () => {
      for (const b of blobs) createHash('sha256').update(b).digest();
    }),
  );
  for (const fsync of [false, true]) {
    const dir = await mkdtemp(join(tmpdir(), 'zb-bench-raw-'));
    rows.push(await time(`raw write${fsync ? ' + fsync' : ''}`, bytes, () => rawWrite(dir, blobs, fsync)));
    await rm(dir, { recursive: true, force: true });
  }
  for (const fsync of [true, false]) {
    for (const compression of ['none', 'gzip'] as const) {
      for (const strategy of ['spool', 'rehash'] as const) {
        rows.push(
          await time(`put ${compression} ${strategy}${fsync ? '' : ' (no fsync)'}`, bytes, () =>
            storePut(blobs, compression, strategy, fsync),
          ),
        );
      }
    }
  }
  console.log(
    `\n${label}: ${blobs.length} blobs, ${(bytes / 1e6).toFixed(1)} MB, mean ${(bytes / blobs.length / 1024).toFixed(1)} KiB`,
  );
  console.log('| variant | MB/s (wall) | MB per CPU-s | wall s | CPU s | stored MB | stored/in |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const stored = r.bytesStored === undefined ? '' : (r.bytesStored / 1e6).toFixed(1);
    const ratio = r.bytesStored === undefined ? '' : (r.bytesStored / r.bytesIn).toFixed(2);
    const mb = r.bytesIn / 1e6;
    console.log(
      `| ${r.name} | ${(mb / r.seconds).toFixed(1)} | ${(mb / r.cpuSeconds).toFixed(1)} | ${r.seconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} | ${stored} | ${ratio} |`,
    );
  }
  return rows;
}

const messages = await loadMessages(targetMb * 1e6);
await suite('real messages (SpamAssassin corpus)', messages);
const big = Buffer.concat(messages);
const large: Buffer[] = [];
for (let off = 0; off + 8e6 <= big.length; off += 8e6) large.push(big.subarray(off, off + 8e6));
await suite('large blobs (8 MB each)', large);
