/**
 * `npm run bench [-- --quick] [-- --only 1,2,5]`: every benchmark scenario on one deterministic corpus seeded
 * into the in-process emulator, each against a baseline measured in the same run; prints one Markdown table
 * and writes bench/results/latest.json. Never part of `npm test`. See BENCHMARKS.md.
 *
 * ```text
 * corpus (buildCorpus) -> emulator -> 1 initial backup none|gzip vs sha256+write+fsync (+gzip)
 *   -> 2 1% change, incremental vs per-account fmt=tgz export -> 3 sizes vs source, tgz, restic
 *   -> 4 watch latency -> 5 restore vs upload+AddMsg -> 6 check --full vs sha256 -> 7 peak RSS (children)
 * ```
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { corpusStats } from '../src/emulator/index.js';
import { MODES, scratchDir, startBenchServer } from './lib/setup.js';
import { markdownTable, type BenchRow } from './lib/table.js';
import { note } from './lib/timing.js';
import { checkFull } from './scenarios/check-full.js';
import { cliStartup } from './scenarios/cli-startup.js';
import { incrementalBackup } from './scenarios/incremental.js';
import { initialBackup } from './scenarios/initial-backup.js';
import { realTimeLatency } from './scenarios/latency.js';
import { memoryScenario } from './scenarios/memory.js';
import { repositorySize } from './scenarios/repository-size.js';
import { restoreScenario } from './scenarios/restore.js';

const argv = process.argv.slice(2);
const mode = MODES[argv.includes('--quick') ? 'quick' : 'full'];
const onlyArg = argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set((argv[onlyArg + 1] ?? '').split(',').map(Number)) : undefined;
const want = (n: number): boolean => only === undefined || only.has(n);

const started = Date.now();
const load0 = loadavg();
const scratch = await scratchDir();
note(
  `mode ${mode.name}: building and seeding ${mode.corpus.accounts} x ${mode.corpus.messagesPerAccount} messages (scratch ${scratch})`,
);
const server = await startBenchServer(mode);
const stats = corpusStats(server.corpus);
note(`corpus built in ${server.buildMs.toFixed(0)} ms, seeded in ${(server.seedMs / 1000).toFixed(1)} s`);
const rows: BenchRow[] = [];
const errors: string[] = [];
/** Wall and CPU time of this process per scenario (children and restic are not in the CPU figure). */
const phases: Array<{ scenario: string; ms: number; cpuMs: number }> = [
  { scenario: 'build + seed', ms: server.buildMs + server.seedMs, cpuMs: Number.NaN },
];
/** Runs one scenario; a failure becomes a row so the other scenarios still report. */
async function scenario(n: number, name: string, fn: () => Promise<BenchRow[]>): Promise<void> {
  if (!want(n)) return;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    rows.push(...(await fn()));
    const c = process.cpuUsage(c0);
    phases.push({ scenario: `${n}. ${name}`, ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 });
  } catch (err) {
    const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    errors.push(`${n}. ${name}: ${msg}`);
    rows.push({ scenario: `${n}. ${name}`, ours: `FAILED: ${msg.slice(0, 200)}`, baseline: '-' });
    note(`scenario ${n} failed: ${err instanceof Error ? err.stack : msg}`);
  }
}
try {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const initial = await initialBackup(server, scratch, mode.limitSampleEvery, mode.noneAccounts);
  const c1 = process.cpuUsage(c0);
  phases.push({
    scenario: '1. initial backup (emulator side; the backups run in children)',
    ms: performance.now() - t0,
    cpuMs: (c1.user + c1.system) / 1000,
  });
  if (want(1)) rows.push(...initial.rows);
  let tgz = { bytes: 0, ms: 0 };
  let incremental = { ms: 0, storedBytes: 0 };
  await scenario(2, 'incremental backup', async () => {
    const r = await incrementalBackup(server, initial.repository);
    tgz = { bytes: r.tgzBytes, ms: r.tgzMs };
    incremental = { ms: r.incrementalMs, storedBytes: r.bytesStored };
    return r.rows;
  });
  await scenario(3, 'repository size', () =>
    repositorySize(
      server,
      initial.repository,
      initial.root,
      tgz.bytes,
      { ...incremental, initialMs: initial.gzip.ms },
      scratch,
    ),
  );
  await scenario(4, 'real-time latency', () =>
    realTimeLatency(server, initial.repository, mode.latencyChanges, mode.latencyRate, tgz.ms),
  );
  await scenario(5, 'restore', () =>
    restoreScenario(server, initial.repository, mode.singleSamples, mode.undeleteItems),
  );
  await scenario(6, 'check --full', () => checkFull(server, initial.repository, initial.root));
  await scenario(7, 'memory', () => memoryScenario(server, mode, scratch, initial.gzip));
  await scenario(8, 'CLI start-up', () => cliStartup(server, initial.root));
} finally {
  server.client.close();
  await server.emu.close();
  await rm(scratch, { recursive: true, force: true });
}

const table = markdownTable(rows);
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  loadAverageBefore: load0.map((x) => Number(x.toFixed(2))),
  loadAverageAfter: loadavg().map((x) => Number(x.toFixed(2))),
};
const totalMs = Date.now() - started;
process.stdout.write(`\nzimbra-backup benchmarks, ${mode.name} mode, ${new Date(started).toISOString()}\n`);
process.stdout.write(
  `corpus: ${stats.accounts} accounts, ${stats.messages} messages (${stats.uniqueMessages} unique, ${stats.messagesWithAttachments} with 100 KB-5 MB attachments, ${(stats.attachmentBytes / 1e6).toFixed(0)} MB of attachments), source ${stats.corpusSource}; seeded in ${(server.seedMs / 1000).toFixed(1)} s\n`,
);
process.stdout.write(
  `machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGb} GB, node ${machine.node}, load average ${machine.loadAverageBefore.join(' ')} -> ${machine.loadAverageAfter.join(' ')}\n\n`,
);
process.stdout.write(
  `${table}\n\ntotal ${(totalMs / 1000).toFixed(0)} s; per phase (wall / CPU of this process): ${phases.map((p) => `${p.scenario.split(' ')[0]} ${(p.ms / 1000).toFixed(0)}/${Number.isNaN(p.cpuMs) ? '-' : (p.cpuMs / 1000).toFixed(0)} s`).join(', ')}\n`,
);
const outDir = fileURLToPath(new URL('./results/', import.meta.url));
await mkdir(outDir, { recursive: true });
const json = JSON.stringify(
  {
    mode: mode.name,
    startedAt: new Date(started).toISOString(),
    totalMs,
    machine,
    corpus: { options: mode.corpus, stats, buildMs: server.buildMs, seedMs: server.seedMs },
    phases,
    rows,
    errors,
  },
  null,
  2,
);
await writeFile(`${outDir}latest.json`, `${json}\n`);
await writeFile(`${outDir}latest-${mode.name}.json`, `${json}\n`);
if (errors.length > 0) process.exitCode = 1;
