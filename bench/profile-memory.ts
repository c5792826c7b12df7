/**
 * Profiling harness (not part of `npm run bench`): seeds `accounts` x `messages` into the emulator (this
 * process) and runs one initial backup in a child process (bench/child-backup.ts) that samples
 * `process.memoryUsage()` every 100 ms, so the figures are the backup's alone. Prints the peak RSS and what the
 * heap, the external memory and the array buffers held at their peaks.
 * Run: `npx tsx bench/profile-memory.ts [accounts] [messages] [heap snapshot MB] [node flags...]`; with a snapshot
 * threshold the child writes one `.heapsnapshot` into bench/results/ once its heap passes it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { childBackup } from './lib/child.js';
import { MODES, scratchDir, startBenchServer } from './lib/setup.js';
import { note } from './lib/timing.js';

const accounts = Number(process.argv[2] ?? 1);
const messages = Number(process.argv[3] ?? 1000);
const snapshotMb = Number(process.argv[4] ?? 0);
const nodeArgs = process.argv.slice(5);
const mode = { ...MODES.quick, corpus: { ...MODES.quick.corpus, accounts, messagesPerAccount: messages } };
const scratch = await scratchDir();
const server = await startBenchServer(mode);
note(`seeded ${accounts} x ${messages} in ${server.seedMs.toFixed(0)} ms`);
interface Sample {
  ms: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  mallocedMemory: number;
}
try {
  const repo = await mkdtemp(join(scratch, 'repo-'));
  const tracePath = join(scratch, 'trace.jsonl');
  process.env['ZB_BENCH_MEM_TRACE'] = tracePath;
  if (snapshotMb > 0) {
    process.env['ZB_BENCH_HEAP_SNAPSHOT'] = resolve('bench/results');
    process.env['ZB_BENCH_HEAP_SNAPSHOT_MB'] = String(snapshotMb);
  }
  const r = await childBackup(server, server.accounts, repo, 'gzip', nodeArgs);
  const lines = (await readFile(tracePath, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Sample | { gc: number; ms: number; durationMs: number; heapUsed: number });
  const samples = lines.filter((l): l is Sample => !('gc' in l));
  const gcs = lines.filter((l): l is { gc: number; ms: number; durationMs: number; heapUsed: number } => 'gc' in l);
  const majors = gcs.filter((g) => g.gc === 2 || g.gc === 4);
  note(
    `GCs: ${gcs.filter((g) => g.gc === 1).length} minor, ${majors.length} major (at ${majors.map((g) => `${(g.ms / 1000).toFixed(1)} s -> ${(g.heapUsed / 1048576).toFixed(0)} MB`).join(', ')})`,
  );
  const mb = (n: number): string => (n / 1048576).toFixed(0);
  const peakOf = (k: keyof Sample): Sample => samples.reduce((a, b) => (b[k] > a[k] ? b : a));
  const show = (s: Sample): string =>
    `rss ${mb(s.rss)} heapUsed ${mb(s.heapUsed)} heapTotal ${mb(s.heapTotal)} external ${mb(s.external)} arrayBuffers ${mb(s.arrayBuffers)} malloced ${mb(s.mallocedMemory)} @ ${s.ms} ms`;
  note(
    `backup: ${r.items} items, ${(r.bytesDownloaded / 1e6).toFixed(1)} MB, ${(r.ms / 1000).toFixed(1)} s, ${(r.cpuMs / 1000).toFixed(1)} CPU-s; VmHWM ${(r.maxRssKb / 1024).toFixed(0)} MB, start ${(r.rssBeforeKb / 1024).toFixed(0)} MB`,
  );
  note(`first sample: ${show(samples[0]!)}`);
  const step = Math.max(1, Math.floor(samples.length / 12));
  for (let i = 0; i < samples.length; i += step) note(`  ${show(samples[i]!)}`);
  for (const k of ['rss', 'heapUsed', 'heapTotal', 'external', 'arrayBuffers'] as const)
    note(`peak ${k}: ${show(peakOf(k))}`);
} finally {
  server.client.close();
  await server.emu.close();
  await rm(scratch, { recursive: true, force: true });
}
