/**
 * Journal commit throughput on the local backend (fsync on): commits/s and records/s for several
 * batch sizes, reopen time, and bytes per record. Run: `npx tsx bench/journal-commit.ts [--quick]`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Journal, type JournalRecordInput } from '../src/journal/index.js';
import { LocalBackend } from '../src/store/backends/local.js';

const quick = process.argv.includes('--quick');

function record(i: number): JournalRecordInput {
  return {
    type: 'item',
    kind: 'message',
    id: String(1000 + i),
    folderId: '2',
    flags: i % 3 === 0 ? 'u' : '',
    tags: i % 10 === 0 ? ['work'] : [],
    dateMs: 1_700_000_000_000 + i * 1000,
    size: 2000 + (i % 5000),
    digest: (i * 2654435761).toString(16).padStart(64, '0').slice(-64),
    modifiedSequence: 10 + i,
    savedSequence: 10 + i,
    changeMs: 1_700_000_000_000 + i * 1000,
  };
}

interface Row {
  batch: number;
  commits: number;
  seconds: number;
  commitsPerS: number;
  recordsPerS: number;
  cpuUsPerRecord: number;
  bytesPerRecord: number;
  reopenMs: number;
  segmentsAfter: number;
}

async function run(batch: number, commits: number): Promise<Row> {
  const dir = await mkdtemp(join(tmpdir(), 'zb-journal-bench-'));
  try {
    const backend = new LocalBackend({ root: dir });
    const prefix = 'accounts/bench/';
    const journal = await Journal.open({ backend, prefix });
    let n = 0;
    const start = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    for (let c = 0; c < commits; c++) {
      const recs: JournalRecordInput[] = [];
      for (let i = 0; i < batch; i++) recs.push(record(n++));
      await journal.commit(recs, { state: { token: String(n) } });
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const stats = journal.stats();
    const t0 = process.hrtime.bigint();
    const reopened = await Journal.open({ backend, prefix });
    const reopenMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (reopened.current().items.size !== n) throw new Error('reopen lost records');
    return {
      batch,
      commits,
      seconds: Number(seconds.toFixed(2)),
      commitsPerS: Math.round(commits / seconds),
      recordsPerS: Math.round(n / seconds),
      cpuUsPerRecord: Math.round((cpu.user + cpu.system) / n),
      bytesPerRecord: Math.round(stats.bytesWritten / n),
      reopenMs: Math.round(reopenMs),
      segmentsAfter: stats.segments,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function encodingSize(): { jsonBytes: number; gzipBytes: number } {
  const lines = Array.from({ length: 10_000 }, (_, i) => JSON.stringify(record(i))).join('\n');
  return {
    jsonBytes: Math.round(Buffer.byteLength(lines) / 10_000),
    gzipBytes: Math.round(gzipSync(lines).length / 10_000),
  };
}

console.log(
  `load average before: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} (the machine may be shared: wall-clock rates drop with load)`,
);
const plan: Array<[number, number]> = quick
  ? [
      [1, 200],
      [100, 50],
    ]
  : [
      [1, 1000],
      [10, 500],
      [100, 200],
      [1000, 50],
    ];
const rows: Row[] = [];
for (const [batch, commits] of plan) rows.push(await run(batch, commits));
console.table(rows);
console.log(
  `load average after: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log('record line encoding (bytes/record, 10k records):', encodingSize());
