/**
 * Scenario 2: incremental backup after a 1% change, against what cron scripts such as zmbackup do every night:
 * a full `fmt=tgz` REST export of each account (exportTgz through the same client), read to the end.
 */
import type { Readable } from 'node:stream';
import { BackupEngine } from '../../src/backup/index.js';
import type { Repository } from '../../src/repository/repository.js';
import { exportTgz } from '../../src/rest/export-tgz.js';
import { applyChange, type ChangeSummary } from '../lib/mutations.js';
import type { BenchServer } from '../lib/setup.js';
import { mb, secs, type BenchRow } from '../lib/table.js';
import { note, timed } from '../lib/timing.js';

/** Bytes of every account's tgz export (sequential, like a nightly script). */
export async function exportAll(server: BenchServer): Promise<{ bytes: number; perAccount: number[] }> {
  const perAccount: number[] = [];
  for (const account of server.accounts) {
    const stream: Readable = await exportTgz(server.client, { account });
    let n = 0;
    for await (const chunk of stream) n += (chunk as Buffer).length;
    perAccount.push(n);
  }
  return { bytes: perAccount.reduce((a, b) => a + b, 0), perAccount };
}

/** What the incremental scenario leaves for the size scenario. */
export interface IncrementalOutcome {
  rows: BenchRow[];
  change: ChangeSummary;
  tgzBytes: number;
  tgzMs: number;
  incrementalMs: number;
  bytesStored: number;
}

/** Runs scenario 2 on the gzip repository of scenario 1. */
export async function incrementalBackup(server: BenchServer, repository: Repository): Promise<IncrementalOutcome> {
  const change = applyChange(server.emu, server.accounts, 0.01);
  note(`2. incremental after ${change.total} changes`);
  const engine = new BackupEngine({ client: server.client, repository, accounts: server.accounts, logger: false });
  const run = await timed(() => engine.run());
  const r = run.value;
  if (r.failures.length > 0) throw new Error(`incremental backup failed: ${JSON.stringify(r.failures.slice(0, 3))}`);
  note('2. baseline: fmt=tgz export of every account');
  const tgz = await timed(() => exportAll(server));
  const rows: BenchRow[] = [
    {
      scenario: `2. incremental backup after a 1% change (${change.total} changes)`,
      ours: `${secs(run.ms)} (${r.itemsNew} new, ${r.itemsChanged} changed, ${r.itemsDeleted} deleted; ${mb(r.bytesStored)} stored)`,
      baseline: `fmt=tgz export of ${server.accounts.length} accounts: ${secs(tgz.ms)} (${mb(tgz.value.bytes)})`,
      ratio: tgz.ms / run.ms,
      ratioMeaning: 'speedup',
      data: {
        change,
        ms: run.ms,
        cpuMs: run.cpuMs,
        itemsNew: r.itemsNew,
        itemsChanged: r.itemsChanged,
        itemsDeleted: r.itemsDeleted,
        bytesStored: r.bytesStored,
        tgzMs: tgz.ms,
        tgzBytes: tgz.value.bytes,
      },
    },
  ];
  return { rows, change, tgzBytes: tgz.value.bytes, tgzMs: tgz.ms, incrementalMs: run.ms, bytesStored: r.bytesStored };
}
