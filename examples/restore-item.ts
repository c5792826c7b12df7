/**
 * Single-item restore: one deleted message comes back into its original folder, timed.
 * Run: `npx tsx examples/restore-item.ts` (self-contained: starts the bundled emulator).
 */
import { BackupEngine, initRepository, MemoryBackend, restoreItems, ZimbraClient } from 'zimbra-backup';
import { buildCorpus, startEmulator } from 'zimbra-backup/emulator';

const emu = await startEmulator({ domain: 'example.test' });
const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
try {
  await emu.seed(buildCorpus({ seed: 3, accounts: 1, messagesPerAccount: 20, domain: 'example.test' }));
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  const repository = await initRepository({ backend: new MemoryBackend() });
  const user = emu.accounts().find((a) => a.name.startsWith('user'))!.name;
  await new BackupEngine({ client, repository }).run();
  const victim = emu.snapshot(user).items.find((i) => i.type === 'message' && i.folderId === 2)!;
  emu.deleteItem(user, victim.id);
  await new BackupEngine({ client, repository }).run();

  const t0 = performance.now();
  const r = await restoreItems({ repository, client, account: user, ids: [String(victim.id)] });
  const back = emu.snapshot(user).items.find((i) => i.sha256 === victim.sha256);
  console.log(
    `message ${victim.id} ("${victim.subject}") restored as ${back?.id} in folder ${back?.folderId} in ${(performance.now() - t0).toFixed(1)} ms; failures: ${r.failures.length}`,
  );
} finally {
  client.close();
  await emu.close();
}
