/**
 * Restore an account as it was an instant ago into a new account, after the user emptied the Inbox.
 * Run: `npx tsx examples/restore-account.ts` (self-contained: starts the bundled emulator).
 */
import { BackupEngine, initRepository, MemoryBackend, restoreAccount, ZimbraClient } from 'zimbra-backup';
import { buildCorpus, startEmulator } from 'zimbra-backup/emulator';

const emu = await startEmulator({ domain: 'example.test' });
const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
try {
  await emu.seed(buildCorpus({ seed: 1, accounts: 1, messagesPerAccount: 20, domain: 'example.test' }));
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  const repository = await initRepository({ backend: new MemoryBackend() });
  const user = emu.accounts().find((a) => a.name.startsWith('user'))!.name;
  await new BackupEngine({ client, repository }).run();
  const before = Date.now();
  for (const item of emu.snapshot(user).items.filter((i) => i.folderId === 2)) emu.deleteItem(user, item.id);
  await new BackupEngine({ client, repository }).run();

  const r = await restoreAccount({ repository, client, account: user, at: before, toAccount: 'restored@example.test' });
  console.log(
    `created ${r.createdAccount?.name}; password (shown once): ${r.generatedPassword?.reveal() ?? '(hash from the directory dump)'}`,
  );
  console.log(
    `restored ${r.counts.message.restored} messages, ${r.counts.contact.restored} contacts, ${r.counts.appointment.restored} appointments in ${r.durationMs} ms; ${r.failures.length} failures`,
  );
  console.log(
    `Inbox now: ${user} ${emu.snapshot(user).items.filter((i) => i.folderId === 2).length} items, copy ${emu.snapshot('restored@example.test').items.filter((i) => i.folderId === 2).length} items`,
  );
} finally {
  client.close();
  await emu.close();
}
