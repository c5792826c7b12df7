/**
 * `check --full` throughput against raw SHA-256 of the same blob bytes, measured in the same run
 * (issue 6). Not a test: `npx tsx bench/check-throughput.ts [--mb N]`.
 *
 * Data: real messages of the SpamAssassin corpus plus a few multi-megabyte blobs made by
 * concatenating them, stored in a local repository (codec none, then gzip level 6) and referenced
 * by one journal. Rows: raw SHA-256 over the bytes in memory (the floor of any verification),
 * raw read + SHA-256 of the stored object files, the journal scan alone (what both modes pay
 * first), quick check (stat + header), full check. MB/s is
 * uncompressed bytes per wall-clock second and per CPU-second of this process (steadier on a
 * shared machine).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pLimit from 'p-limit';
import { Journal } from '../src/journal/journal.js';
import type { JournalRecordInput } from '../src/journal/types.js';
import { checkRepository } from '../src/maintenance/check.js';
import { scanReferences } from '../src/maintenance/references.js';
import { accountPrefix } from '../src/repository/layout.js';
import { initRepository, type Repository } from '../src/repository/repository.js';
import { LocalBackend } from '../src/store/backends/local.js';
import type { Compression } from '../src/store/blob-codec.js';
import { loadMessages } from './lib/spamassassin-sample.js';

const arg = process.argv.indexOf('--mb');
const targetMb = arg > 0 ? Number(process.argv[arg + 1]) : 32;
const CONCURRENCY = 4;
const ACCOUNT = '0e000000-0000-4000-8000-00000000000e';

interface Row {
  name: string;
  seconds: number;
  cpuSeconds: number;
  bytes: number;
}

async function time(name: string, bytes: number, fn: () => Promise<unknown>): Promise<Row> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  return { name, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, bytes };
}

async function populate(repo: Repository, blobs: Buffer[]): Promise<string[]> {
  const limit = pLimit(CONCURRENCY);
  const digests = await Promise.all(
    blobs.map((b) =>
      limit(
        async () =>
          (await repo.blobs.put({ size: b.length, open: () => Readable.from([b]) }, { strategy: 'rehash' })).digest,
      ),
    ),
  );
  const journal = await Journal.open({ backend: repo.backend, prefix: accountPrefix(ACCOUNT) });
  for (let i = 0; i < digests.length; i += 1000) {
    const records: JournalRecordInput[] = digests.slice(i, i + 1000).map((digest, k) => ({
      type: 'item',
      kind: 'message',
      id: String(i + k + 257),
      folderId: '2',
      modifiedSequence: i + k + 1,
      size: blobs[i + k]!.length,
      digest,
    }));
    await journal.commit(records);
  }
  await journal.close();
  return digests;
}

async function main(): Promise<void> {
  const messages = await loadMessages(targetMb * 0.75 * 1e6);
  const big: Buffer[] = [];
  for (let i = 0; i < 4; i++) big.push(Buffer.concat(messages.slice(i * 50, i * 50 + 600)));
  const blobs = [...messages, ...big];
  const total = blobs.reduce((s, b) => s + b.length, 0);
  const rows: Row[] = [];
  rows.push(
    await time('raw sha256 (memory, 1 thread)', total, async () => {
      for (const b of blobs) createHash('sha256').update(b).digest();
    }),
  );
  for (const compression of ['none', 'gzip'] as Compression[]) {
    const dir = await mkdtemp(join(tmpdir(), 'zb-bench-check-'));
    try {
      const repo = await initRepository({ backend: new LocalBackend({ root: dir }), compression });
      const digests = await populate(repo, blobs);
      const limit = pLimit(CONCURRENCY);
      rows.push(
        await time(`raw read + sha256 of stored files (${compression})`, total, () =>
          Promise.all(
            digests.map((d) =>
              limit(async () => {
                const h = createHash('sha256');
                for await (const c of createReadStream(join(dir, 'blobs', d.slice(0, 2), d.slice(2, 4), d)))
                  h.update(c as Buffer);
                h.digest();
              }),
            ),
          ),
        ),
      );
      rows.push(
        await time(`journal scan only: references of ${digests.length} items (${compression})`, total, () =>
          scanReferences({ repository: repo, accounts: [ACCOUNT], limit: pLimit(1) }),
        ),
      );
      let quick = 0;
      rows.push(
        await time(`check quick (${compression})`, total, async () => {
          const r = await checkRepository({ repository: repo, concurrency: CONCURRENCY });
          if (!r.ok) throw new Error('quick check failed');
          quick = r.mbPerSecond;
        }),
      );
      let full = 0;
      rows.push(
        await time(`check --full (${compression})`, total, async () => {
          const r = await checkRepository({ repository: repo, full: true, concurrency: CONCURRENCY });
          if (!r.ok || r.bytesChecked !== total) throw new Error('full check failed');
          full = r.mbPerSecond;
        }),
      );
      console.error(`${compression}: result.mbPerSecond quick ${quick.toFixed(1)}, full ${full.toFixed(1)}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  console.log(
    `\n${blobs.length} blobs, ${(total / 1e6).toFixed(1)} MB uncompressed (${messages.length} messages + ${big.length} blobs of ~${(big[0]!.length / 1e6).toFixed(1)} MB); concurrency ${CONCURRENCY}\n`,
  );
  console.log('| what | seconds | MB/s (wall) | MB/s (CPU) |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.seconds.toFixed(2)} | ${(r.bytes / 1e6 / r.seconds).toFixed(1)} | ${(r.bytes / 1e6 / Math.max(r.cpuSeconds, 1e-9)).toFixed(1)} |`,
    );
  }
}

await main();
