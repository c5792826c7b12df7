/**
 * Profiling harness (not part of `npm run bench`): seeds a small corpus into the emulator (this process) and
 * runs one initial backup in a child process started with `--cpu-prof`, so the profile holds the backup alone.
 * Run: `npx tsx bench/profile-backup.ts [accounts] [messages] [none|gzip] [profile dir]`, then read the
 * `.cpuprofile` in Chrome DevTools or with `npx tsx bench/profile-top.ts <dir>`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { childBackup } from './lib/child.js';
import { MODES, scratchDir, startBenchServer } from './lib/setup.js';
import { note } from './lib/timing.js';

const accounts = Number(process.argv[2] ?? 2);
const messages = Number(process.argv[3] ?? 1000);
const compression = process.argv[4] === 'none' ? 'none' : 'gzip';
const profDir = resolve(process.argv[5] ?? 'bench/results/profile');
const mode = { ...MODES.quick, corpus: { ...MODES.quick.corpus, accounts, messagesPerAccount: messages } };
const scratch = await scratchDir();
const server = await startBenchServer(mode);
note(`seeded ${accounts} x ${messages} in ${server.seedMs.toFixed(0)} ms; profiling into ${profDir}`);
try {
  const repo = await mkdtemp(join(scratch, 'repo-'));
  const c0 = process.cpuUsage();
  const r = await childBackup(server, server.accounts, repo, compression, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
  const c = process.cpuUsage(c0);
  note(
    `backup: ${JSON.stringify(r)}; emulator CPU ${((c.user + c.system) / 1000).toFixed(0)} ms; requests ${JSON.stringify(server.emu.stats)}`,
  );
} finally {
  server.client.close();
  await server.emu.close();
  await rm(scratch, { recursive: true, force: true });
}
