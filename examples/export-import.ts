/**
 * Migrate mailboxes between two servers: back up the source, export one archive as at an instant,
 * import it into a second server (domains, COS, lists, accounts, then mailbox content).
 * Run: `npx tsx examples/export-import.ts` (self-contained: starts two bundled emulators).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupEngine, exportArchive, importArchive, initRepository, MemoryBackend, ZimbraClient } from 'zimbra-backup';
import { buildCorpus, startEmulator } from 'zimbra-backup/emulator';

const source = await startEmulator({ domain: 'example.test' });
const target = await startEmulator({ domain: 'new.test' });
const from = new ZimbraClient({ url: source.url, adminUrl: source.adminUrl });
const to = new ZimbraClient({ url: target.url, adminUrl: target.adminUrl });
const dir = await mkdtemp(join(tmpdir(), 'zb-example-'));
try {
  await source.seed(buildCorpus({ seed: 1, accounts: 3, messagesPerAccount: 20, domain: 'example.test' }));
  await from.authAdmin(source.adminUser, source.adminPassword);
  await to.authAdmin(target.adminUser, target.adminPassword);
  const repository = await initRepository({ backend: new MemoryBackend() });
  await new BackupEngine({ client: from, repository }).run();

  const file = join(dir, 'example.tar.gz');
  const users = source
    .accounts()
    .map((a) => a.name)
    .filter((n) => n.startsWith('user'));
  const ex = await exportArchive({ repo: repository, out: createWriteStream(file), accounts: users });
  console.log(
    `exported ${ex.manifest.accounts.length} accounts, ${ex.manifest.blobs.count} distinct blobs, ${ex.bytes} bytes as at ${ex.manifest.at}`,
  );

  const r = await importArchive({ archive: createReadStream(file), client: to, concurrency: 2 });
  for (const a of r.accounts) {
    console.log(
      `${a.name}: ${a.status}, ${a.counts?.message.restored ?? 0} messages, id map ${a.idMap?.entries ?? 0} entries; password (shown once): ${a.generatedPassword?.reveal() ?? '(hash kept)'}`,
    );
  }
  console.log(
    `complete: ${r.complete}; target now has ${target.snapshot(users[0]!).items.length} items for ${users[0]}`,
  );
} finally {
  from.close();
  to.close();
  await Promise.all([source.close(), target.close()]);
  await rm(dir, { recursive: true, force: true });
}
