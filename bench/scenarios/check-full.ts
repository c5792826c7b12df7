/**
 * Scenario 6: `check --full` (checkRepository with full: true: read, decompress and re-hash every referenced
 * blob) against raw sha256 of the same blob contents held in memory (the CPU floor of any re-hash).
 */
import { createHash } from 'node:crypto';
import type { Repository } from '../../src/repository/repository.js';
import { contentBlobs, type BenchServer } from '../lib/setup.js';
import { mb, mbps, type BenchRow } from '../lib/table.js';
import { note, timed } from '../lib/timing.js';

type MaintenanceModule = typeof import('../../src/maintenance/check.js');

/** Runs scenario 6, or a row saying why it cannot. */
export async function checkFull(server: BenchServer, repository: Repository): Promise<BenchRow[]> {
  let mod: MaintenanceModule;
  try {
    mod = await import('../../src/maintenance/check.js');
  } catch (err) {
    return [{ scenario: '6. check --full', ours: 'check not available', baseline: '-', data: { error: String(err) } }];
  }
  note('6. check --full');
  const c = await timed(() => mod.checkRepository({ repository, full: true }));
  const r = c.value;
  // The same distinct contents the check re-hashed: one copy per digest.
  const seen = new Map<string, Buffer>();
  for (const b of contentBlobs(server.emu, server.accounts)) seen.set(createHash('sha256').update(b).digest('hex'), b);
  const unique = [...seen.values()];
  const bytes = unique.reduce((n, b) => n + b.length, 0);
  const h = await timed(async () => { for (const b of unique) createHash('sha256').update(b).digest(); });
  return [{
    scenario: '6. check --full throughput',
    ours: `${mbps(r.bytesChecked, c.ms)} (${r.blobsChecked} blobs, ${mb(r.bytesChecked)}, ${r.errors} errors)`,
    baseline: `raw sha256 of the same contents: ${mbps(bytes, h.ms)}`,
    ratio: (r.bytesChecked / c.ms) / (bytes / h.ms),
    ratioMeaning: 'of raw sha256',
    data: { ms: c.ms, cpuMs: c.cpuMs, blobs: r.blobsChecked, bytesChecked: r.bytesChecked, errors: r.errors, problems: r.problems.slice(0, 5), rawBytes: bytes, rawMs: h.ms, rawBlobs: unique.length },
  }];
}
