/**
 * Undelete: a user deletes mail and a folder; the administrator brings back everything deleted in
 * the last hour into a `Restored <date>` folder that mirrors the original paths.
 * Run: `npx tsx examples/undelete.ts` (self-contained: starts the bundled emulator).
 */
import { BackupEngine, initRepository, MemoryBackend, undelete, ZimbraClient } from 'zimbra-backup';
import { buildCorpus, startEmulator } from 'zimbra-backup/emulator';

const emu = await startEmulator({ domain: 'example.test' });
const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
try {
  await emu.seed(buildCorpus({ seed: 2, accounts: 1, messagesPerAccount: 20, domain: 'example.test' }));
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  const repository = await initRepository({ backend: new MemoryBackend() });
  const user = emu.accounts().find((a) => a.name.startsWith('user'))!.name;
  const engine = new BackupEngine({ client, repository });
  const project = emu.createFolder(user, '/Inbox/Project');
  emu.deliver(user, 'From: boss@example.test\r\nSubject: budget\r\n\r\nnumbers\r\n', { folderId: project });
  await engine.run();
  const messages = emu
    .snapshot(user)
    .items.filter((i) => i.type === 'message' && i.folderId === 2)
    .slice(0, 3);
  for (const m of messages) emu.deleteItem(user, m.id);
  emu.deleteFolder(user, project);
  await engine.run();

  const r = await undelete({ repository, client, account: user, from: Date.now() - 3_600_000, to: Date.now() });
  console.log(`undeleted ${r.counts.message.restored} messages into ${r.folder} in ${r.durationMs} ms`);
  for (const f of emu.snapshot(user).folders.filter((f) => f.path.startsWith(r.folder))) console.log(`  ${f.path}`);
} finally {
  client.close();
  await emu.close();
}
