/**
 * Same-run comparison of the initial backup with and without the bulk download (not part of `npm run bench`):
 * seeds a corpus into the emulator (this process) and runs the initial backup in a child process
 * alternately per item (`ZB_BENCH_BULK=0`) and in bulk, `rounds` times each, printing for every run the
 * backup's wall time and CPU (child) and the emulator's CPU (this process) and the request counts.
 * Run: `npx tsx bench/compare-bulk.ts [accounts] [messages] [none|gzip] [rounds]`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { childBackup } from './lib/child.js';
import { MODES, scratchDir, startBenchServer } from './lib/setup.js';
import { note } from './lib/timing.js';

const accounts = Number(process.argv[2] ?? 2);
const messages = Number(process.argv[3] ?? 1000);
const compression = process.argv[4] === 'none' ? 'none' : 'gzip';
const rounds = Number(process.argv[5] ?? 2);
const mode = { ...MODES.quick, corpus: { ...MODES.quick.corpus, accounts, messagesPerAccount: messages } };
const scratch = await scratchDir();
const server = await startBenchServer(mode);
note(`seeded ${accounts} x ${messages} in ${server.seedMs.toFixed(0)} ms; ${compression}, ${rounds} rounds`);
const sums: Record<string, { wall: number; cpu: number; emu: number }> = {};
try {
  for (let round = 0; round < rounds; round++) {
    for (const bulk of [false, true]) {
      const label = bulk ? 'bulk' : 'per-item';
      process.env['ZB_BENCH_BULK'] = bulk ? '1' : '0';
      const repo = await mkdtemp(join(scratch, 'repo-'));
      server.emu.stats.reset();
      const c0 = process.cpuUsage();
      const r = await childBackup(server, server.accounts, repo, compression);
      const c = process.cpuUsage(c0);
      const emuMs = (c.user + c.system) / 1000;
      const s = (sums[label] ??= { wall: 0, cpu: 0, emu: 0 });
      s.wall += r.ms;
      s.cpu += r.cpuMs;
      s.emu += emuMs;
      note(
        `${label}: ${r.items} items, wall ${(r.ms / 1000).toFixed(2)} s, backup CPU ${(r.cpuMs / 1000).toFixed(2)} s, ` +
          `emulator CPU ${(emuMs / 1000).toFixed(2)} s; REST ${server.emu.stats.get('REST')}, REST:tar ${server.emu.stats.get('REST:tar')}`,
      );
      await rm(repo, { recursive: true, force: true });
    }
  }
  const a = sums['per-item']!;
  const b = sums['bulk']!;
  note(
    `ratios per-item / bulk: wall ${(a.wall / b.wall).toFixed(2)}x, backup CPU ${(a.cpu / b.cpu).toFixed(2)}x, ` +
      `emulator CPU ${(a.emu / b.emu).toFixed(2)}x, total CPU ${((a.cpu + a.emu) / (b.cpu + b.emu)).toFixed(2)}x`,
  );
} finally {
  delete process.env['ZB_BENCH_BULK'];
  server.client.close();
  await server.emu.close();
  await rm(scratch, { recursive: true, force: true });
}
