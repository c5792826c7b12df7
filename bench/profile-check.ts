/**
 * Profiling harness (not part of `npm run bench`): backs up a small seeded corpus, then runs `check --full`
 * (checkRepository) and prints its timing. Run under `node --cpu-prof --import tsx bench/profile-check.ts
 * [accounts] [messages]` and read the project functions of check.ts in the profile.
 */
import { rm } from 'node:fs/promises';
import { BackupEngine } from '../src/backup/index.js';
import { checkRepository } from '../src/maintenance/check.js';
import { MODES, newRepository, scratchDir, startBenchServer } from './lib/setup.js';
import { note, timed } from './lib/timing.js';

const accounts = Number(process.argv[2] ?? 1);
const messages = Number(process.argv[3] ?? 1000);
const mode = { ...MODES.quick, corpus: { ...MODES.quick.corpus, accounts, messagesPerAccount: messages } };
const scratch = await scratchDir();
const server = await startBenchServer(mode);
try {
  const { repository } = await newRepository(scratch, 'repo', 'gzip');
  await new BackupEngine({ client: server.client, repository, accounts: server.accounts, logger: false }).run();
  const c = await timed(() => checkRepository({ repository, full: true }));
  note(
    `check --full: ${c.value.blobsChecked} blobs, ${(c.value.bytesChecked / 1e6).toFixed(1)} MB in ${c.ms.toFixed(0)} ms wall, ${c.cpuMs.toFixed(0)} ms CPU, ${c.value.errors} errors`,
  );
} finally {
  server.client.close();
  await server.emu.close();
  await rm(scratch, { recursive: true, force: true });
}
