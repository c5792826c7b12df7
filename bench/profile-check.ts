/**
 * Profiling harness (not part of `npm run bench`): backs up a small seeded corpus (gzip, format v2), then runs
 * the tight pack loop (bench/lib/pack-loop.ts) and `check --full` (checkRepository) alternately, `rounds`
 * times each, and prints wall and CPU time of every run and the ratios of the best of each (CPU-seconds are the
 * figure that load affects least). With a profile path, the CPU profile of one extra check (node:inspector; not
 * counted) is written there; read it with `npx tsx bench/profile-top.ts <dir>`.
 * Run: `npx tsx bench/profile-check.ts [accounts] [messages] [rounds] [profile dir]`.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join, resolve } from 'node:path';
import { BackupEngine } from '../src/backup/index.js';
import { checkRepository } from '../src/maintenance/check.js';
import { decodePacks } from './lib/pack-loop.js';
import { MODES, newRepository, scratchDir, startBenchServer } from './lib/setup.js';
import { note, timed } from './lib/timing.js';

const accounts = Number(process.argv[2] ?? 1);
const messages = Number(process.argv[3] ?? 1000);
const rounds = Number(process.argv[4] ?? 3);
const profDir = process.argv[5] ? resolve(process.argv[5]) : undefined;
const mode = { ...MODES.quick, corpus: { ...MODES.quick.corpus, accounts, messagesPerAccount: messages } };
const scratch = await scratchDir();
const server = await startBenchServer(mode);
try {
  const { repository, root } = await newRepository(scratch, 'repo', 'gzip');
  await new BackupEngine({ client: server.client, repository, accounts: server.accounts, logger: false }).run();
  // The emulator is idle from here on: only the loop and the check run in this process.
  server.client.close();
  await server.emu.close();
  const loops: Array<{ ms: number; cpuMs: number; bytes: number }> = [];
  const checks: Array<{ ms: number; cpuMs: number; bytes: number }> = [];
  for (let i = 0; i < rounds; i++) {
    const l = await timed(() => decodePacks(join(root, 'packs')));
    loops.push({ ms: l.ms, cpuMs: l.cpuMs, bytes: l.value.bytes });
    note(
      `loop:  ${l.value.files} packs, ${l.value.blobs} blobs, ${(l.value.bytes / 1e6).toFixed(1)} MB in ${l.ms.toFixed(0)} ms wall, ${l.cpuMs.toFixed(0)} ms CPU`,
    );
    // CPU at the first event of each phase: journals (+ index load and pack listing), blobs, unreferenced.
    const marks = new Map<string, number>();
    const c0 = process.cpuUsage();
    const cpuNow = (): number => {
      const u = process.cpuUsage(c0);
      return (u.user + u.system) / 1000;
    };
    const c = await timed(() =>
      checkRepository({
        repository,
        full: true,
        onProgress: (p) => {
          if (!marks.has(p.phase)) marks.set(p.phase, cpuNow());
        },
      }),
    );
    const blobsAt = marks.get('blobs') ?? Number.NaN;
    const unrefAt = marks.get('unreferenced') ?? c.cpuMs;
    note(
      `check phases (CPU ms): journals + index + listing ${blobsAt.toFixed(0)}, packs ${(unrefAt - blobsAt).toFixed(0)}, unreferenced + rest ${(c.cpuMs - unrefAt).toFixed(0)}`,
    );
    checks.push({ ms: c.ms, cpuMs: c.cpuMs, bytes: c.value.bytesChecked });
    note(
      `check: ${c.value.blobsChecked} blobs, ${(c.value.bytesChecked / 1e6).toFixed(1)} MB in ${c.ms.toFixed(0)} ms wall, ${c.cpuMs.toFixed(0)} ms CPU, ${c.value.errors} errors, ${c.value.records} records`,
    );
  }
  if (profDir) {
    // One more check under the profiler, outside the figures (stopping the profiler costs CPU of its own).
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    await checkRepository({ repository, full: true });
    const { profile } = await session.post('Profiler.stop');
    await mkdir(profDir, { recursive: true });
    await writeFile(join(profDir, `check-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
  const best = (xs: Array<{ ms: number; cpuMs: number; bytes: number }>, k: 'ms' | 'cpuMs'): number =>
    Math.min(...xs.map((x) => x[k] / x.bytes));
  note(
    `check / loop throughput, best of ${rounds}: wall ${(best(loops, 'ms') / best(checks, 'ms')).toFixed(2)}x, CPU ${(best(loops, 'cpuMs') / best(checks, 'cpuMs')).toFixed(2)}x`,
  );
} finally {
  server.client.close();
  await server.emu.close().catch(() => {});
  await rm(scratch, { recursive: true, force: true });
}
