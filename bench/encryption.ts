/**
 * Encryption at rest, its cost (issue 12): the initial backup of the same seeded emulator into an
 * unencrypted and an encrypted repository (format v2, gzip, LocalBackend with fsync), then a read of
 * every blob back (what restore and export do), alternated twice so load on the shared machine
 * hits both alike. Not a test: `npx tsx bench/encryption.ts [--accounts N] [--messages M]`.
 *
 * Prints one JSON line per run and a Markdown table (items/s, MB/s of message bytes, CPU-seconds,
 * ratio encrypted/plain) for BENCHMARKS.md.
 */
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { BackupEngine } from '../src/backup/backup-engine.js';
import { initRepository, type Repository } from '../src/repository/repository.js';
import { LocalBackend } from '../src/store/backends/local.js';
import type { Digest } from '../src/store/digest.js';
import { MODES, scratchDir, startBenchServer } from './lib/setup.js';
import { note, timed } from './lib/timing.js';

const num = (flag: string, dflt: number): number => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const accounts = num('--accounts', 3);
const messages = num('--messages', 600);

interface Run {
  kind: 'plain' | 'encrypted';
  round: number;
  items: number;
  bytes: number;
  backupMs: number;
  backupCpuMs: number;
  readMs: number;
  readCpuMs: number;
}

async function readAll(repository: Repository): Promise<number> {
  let n = 0;
  const digests: Digest[] = [];
  for (const id of await repository.accountIds()) {
    const j = await repository.journal(id, { readOnly: true });
    try {
      for (const item of j.current().items.values()) if (item.digest) digests.push(item.digest as Digest);
    } finally {
      await j.close();
    }
  }
  for (const d of new Set(digests)) for await (const c of await repository.blobs.get(d)) n += (c as Buffer).length;
  return n;
}

async function main(): Promise<void> {
  const mode = {
    ...MODES.quick,
    corpus: { ...MODES.quick.corpus, accounts, messagesPerAccount: messages, attachmentShare: 0.004 },
  };
  const load0 = loadavg()[0] ?? 0;
  const server = await startBenchServer(mode);
  note(`seeded ${accounts} x ${messages} in ${Math.round(server.seedMs)} ms`);
  const dir = await scratchDir();
  const runs: Run[] = [];
  try {
    for (const round of [1, 2]) {
      for (const kind of round === 1 ? (['plain', 'encrypted'] as const) : (['encrypted', 'plain'] as const)) {
        const root = await mkdtemp(join(dir, `${kind}-`));
        const repository = await initRepository({
          backend: new LocalBackend({ root }),
          compression: 'gzip',
          ...(kind === 'encrypted' ? { encryption: { password: 'bench password' } } : {}),
        });
        const b = await timed(() => new BackupEngine({ client: server.client, repository }).run());
        if (b.value.failures.length > 0) throw new Error(`backup failures: ${JSON.stringify(b.value.failures[0])}`);
        const reader = await (
          await import('../src/repository/repository.js')
        ).openRepository({
          backend: new LocalBackend({ root }),
          ...(kind === 'encrypted' ? { password: 'bench password' } : {}),
        });
        const r = await timed(() => readAll(reader));
        const items = b.value.itemsNew;
        const run: Run = {
          kind,
          round,
          items,
          bytes: r.value,
          backupMs: b.ms,
          backupCpuMs: b.cpuMs,
          readMs: r.ms,
          readCpuMs: r.cpuMs,
        };
        runs.push(run);
        console.log(JSON.stringify(run));
        await rm(root, { recursive: true, force: true });
      }
    }
  } finally {
    server.client.close();
    await server.emu.close();
    await rm(dir, { recursive: true, force: true });
  }
  const load1 = loadavg()[0] ?? 0;
  const best = (kind: Run['kind'], f: (r: Run) => number): number =>
    Math.min(...runs.filter((r) => r.kind === kind).map(f));
  const rows: Array<[string, (r: Run) => number, (ms: number, r: Run) => string]> = [
    ['initial backup, items/s (best of 2)', (r) => r.backupMs, (ms, r) => (r.items / (ms / 1000)).toFixed(0)],
    ['initial backup, CPU-seconds', (r) => r.backupCpuMs, (ms) => (ms / 1000).toFixed(2)],
    ['read every blob back, MB/s (best of 2)', (r) => r.readMs, (ms, r) => (r.bytes / 1e6 / (ms / 1000)).toFixed(1)],
    ['read every blob back, CPU-seconds', (r) => r.readCpuMs, (ms) => (ms / 1000).toFixed(2)],
  ];
  const sample = runs[0] as Run;
  console.log(
    `\n${accounts} accounts x ${messages} messages (${sample.items} items, ${(sample.bytes / 1e6).toFixed(1)} MB of blobs), load ${load0.toFixed(1)} -> ${load1.toFixed(1)}\n`,
  );
  console.log('| measure | plain | encrypted | encrypted / plain time |');
  console.log('|---|---|---|---|');
  for (const [name, f, show] of rows) {
    const p = best('plain', f);
    const e = best('encrypted', f);
    const pr = runs.find((r) => r.kind === 'plain' && f(r) === p) as Run;
    const er = runs.find((r) => r.kind === 'encrypted' && f(r) === e) as Run;
    console.log(`| ${name} | ${show(p, pr)} | ${show(e, er)} | ${(e / p).toFixed(2)}x |`);
  }
}

await main();
