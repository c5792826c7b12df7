/**
 * Profiling harness (not part of `npm run bench`): seeds a small corpus and runs one initial backup, so
 * `node --cpu-prof --import tsx bench/profile-backup.ts [accounts] [messages]` shows where a backup's CPU goes.
 */
import { rm } from 'node:fs/promises';
import { BackupEngine } from '../src/backup/index.js';
import { MODES, newRepository, scratchDir, startBenchServer } from './lib/setup.js';
import { note, timed } from './lib/timing.js';

const accounts = Number(process.argv[2] ?? 2);
const messages = Number(process.argv[3] ?? 1000);
const mode = { ...MODES.quick, corpus: { ...MODES.quick.corpus, accounts, messagesPerAccount: messages } };
const scratch = await scratchDir();
const server = await startBenchServer(mode);
note(`seeded in ${server.seedMs.toFixed(0)} ms`);
try {
  const { repository } = await newRepository(scratch, 'repo', 'gzip');
  const engine = new BackupEngine({ client: server.client, repository, accounts: server.accounts, logger: false });
  const r = await timed(() => engine.run());
  note(`backup: ${r.value.itemsNew} items in ${r.ms.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU; ${JSON.stringify(server.emu.stats)}`);
} finally {
  server.client.close();
  await server.emu.close();
  await rm(scratch, { recursive: true, force: true });
}
