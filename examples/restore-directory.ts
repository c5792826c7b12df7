/**
 * Directory restore: an account deleted on the server is recreated through admin SOAP (from the
 * directory dump when the repository has one, else from the backed-up account attributes), then
 * its mailbox follows with restoreAccount.
 * Run: `npx tsx examples/restore-directory.ts` (self-contained: starts the bundled emulator).
 */
import {
  BackupEngine,
  initRepository,
  MemoryBackend,
  restoreAccount,
  restoreDirectory,
  ZimbraClient,
} from 'zimbra-backup';
import { startEmulator } from 'zimbra-backup/emulator';

const emu = await startEmulator({ domain: 'example.test' });
const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
try {
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  const repository = await initRepository({ backend: new MemoryBackend() });
  emu.createAccount('erin@example.test', 'pw-erin', { displayName: 'Erin E', zimbraPrefTimeZoneId: 'Europe/Berlin' });
  for (let i = 0; i < 5; i++)
    emu.deliver('erin@example.test', `From: x@example.test\r\nSubject: note ${i}\r\n\r\nbody ${i}\r\n`);
  await new BackupEngine({ client, repository }).run();
  const at = Date.now();
  emu.deleteAccount('erin@example.test');

  const dir = await restoreDirectory({ repository, client, accounts: ['erin@example.test'] });
  console.log(`source: ${dir.source}; created: ${dir.created.map((o) => `${o.kind} ${o.name}`).join(', ')}`);
  for (const p of dir.generatedPasswords) console.log(`password for ${p.name} (shown once): ${p.password.reveal()}`);
  const mail = await restoreAccount({ repository, client, account: 'erin@example.test', at });
  console.log(
    `mailbox: ${mail.counts.message.restored} messages restored; displayName now ${(await client.getAccount('erin@example.test')).attrs['displayName']}`,
  );
} finally {
  client.close();
  await emu.close();
}
