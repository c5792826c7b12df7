/**
 * The zimbra-backup tour, against the bundled Zimbra emulator (or a real server: set ZB_SERVER,
 * ZB_MAIL_URL, ZB_ADMIN and ZB_PASSWORD_FILE, and ZB_REPO for the repository path).
 *
 *   npx tsx examples/quick-start.ts
 *
 * 1. a seeded mailbox server; 2. a first backup; 3. a change, caught by the incremental pass;
 * 4. real-time capture (WaitSet) of new mail within milliseconds; 5. a user deletes mail and a
 * folder, the administrator undeletes it; 6. the account as it was before the deletion, restored
 * into a new account; 7. the repository status; 8. the web console, until Ctrl-C (`--no-console`
 * or ZB_NO_CONSOLE=1 to skip it).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AccountRunResult,
  BackupEngine,
  initRepository,
  LocalBackend,
  repositoryStatus,
  restoreAccount,
  undelete,
  ZimbraClient,
} from 'zimbra-backup';
import { buildCorpus, type Emulator, startEmulator } from 'zimbra-backup/emulator';
import { createConsoleServer } from 'zimbra-backup/console';

const log = (s: string): void => console.log(s);

async function server(): Promise<{ client: ZimbraClient; emu?: Emulator }> {
  if (process.env['ZB_SERVER']) {
    const client = new ZimbraClient({
      url: process.env['ZB_MAIL_URL'] ?? process.env['ZB_SERVER'],
      adminUrl: process.env['ZB_SERVER'],
    });
    const password = (await readFile(process.env['ZB_PASSWORD_FILE'] ?? '', 'utf8')).trim();
    await client.authAdmin(process.env['ZB_ADMIN'] ?? 'admin', password);
    return { client };
  }
  const emu = await startEmulator({ domain: 'example.test' });
  await emu.seed(buildCorpus({ seed: 42, accounts: 3, messagesPerAccount: 40, domain: 'example.test' }));
  const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  log(`1. emulator on ${emu.adminUrl} with ${emu.accounts().length} accounts`);
  return { client, emu };
}

const { client, emu } = await server();
const dir = process.env['ZB_REPO'] ?? (await mkdtemp(join(tmpdir(), 'zb-quick-start-')));
try {
  const repository = await initRepository({ backend: new LocalBackend({ root: dir }), compression: 'gzip' });
  const engine = new BackupEngine({ client, repository });

  const first = await engine.run();
  log(
    `2. first backup: ${first.accounts} accounts, ${first.itemsNew} items, ${(first.bytesDownloaded / 1e6).toFixed(2)} MB read, ${(first.bytesStored / 1e6).toFixed(2)} MB stored, ${first.durationMs} ms`,
  );

  if (emu) {
    const user = 'user1@example.test';
    const msg = emu.snapshot(user).items.find((i) => i.type === 'message');
    if (msg) emu.setFlags(user, msg.id, 'f');
    emu.deliver(
      user,
      'From: boss@example.test\r\nTo: user1@example.test\r\nSubject: Q4 numbers\r\n\r\nSee attached.\r\n',
    );
    const second = await engine.run();
    log(
      `3. incremental: ${second.itemsNew} new, ${second.itemsChanged} changed, ${second.itemsDeleted} deleted in ${second.durationMs} ms`,
    );

    // Real time: new mail is committed as soon as the WaitSet reports it.
    let sentAt = 0;
    let resolveCommit: (r: AccountRunResult) => void = () => {};
    const live = new BackupEngine({
      client,
      repository,
      waitSetTimeoutSeconds: 10,
      onAccountRun: (r) => {
        if (sentAt > 0 && r.itemsNew > 0) resolveCommit(r);
      },
    });
    const stop = new AbortController();
    const watching = live.watch({ signal: stop.signal });
    await new Promise((r) => setTimeout(r, 1500)); // the initial pass and the WaitSet
    const committed = new Promise<AccountRunResult>((resolve) => (resolveCommit = resolve));
    sentAt = Date.now();
    emu.deliver(user, 'From: client@example.org\r\nTo: user1@example.test\r\nSubject: urgent\r\n\r\nCall me.\r\n');
    await committed;
    log(`4. real time: new mail committed ${Date.now() - sentAt} ms after delivery`);
    stop.abort();
    await watching;

    // A user deletes three messages and a whole folder; the administrator undeletes the last hour.
    const beforeDeletion = Date.now();
    const project = emu.createFolder(user, '/Projects/Apollo');
    emu.deliver(user, 'From: pm@example.test\r\nSubject: Apollo plan\r\n\r\nv1\r\n', { folderId: project });
    await engine.run();
    const asBefore = Date.now();
    for (const m of emu
      .snapshot(user)
      .items.filter((i) => i.type === 'message' && i.folderId === 2)
      .slice(0, 3))
      emu.deleteItem(user, m.id);
    emu.deleteFolder(user, project);
    await engine.run();
    const back = await undelete({ repository, client, account: user, from: beforeDeletion, to: Date.now() });
    log(`5. undelete: ${back.counts.message.restored} messages back in "${back.folder}" in ${back.durationMs} ms`);

    // The whole account as it was before the deletion, into a new account.
    const copy = await restoreAccount({
      repository,
      client,
      account: user,
      at: asBefore,
      toAccount: 'user1-restored@example.test',
    });
    log(
      `6. restore as of ${new Date(asBefore).toISOString()}: ${copy.counts.message.restored} messages, ${copy.counts.folder.restored} folders into ${copy.targetAccount} in ${copy.durationMs} ms${copy.generatedPassword ? ' (new password generated: directory dump without hashes)' : ''}`,
    );
  }
  const status = await repositoryStatus({ repository });
  for (const a of status.accounts)
    log(`7. ${a.name}: ${a.items} items, last commit ${new Date(a.lastCommitMs).toISOString()}`);
  log(
    `   repository ${(status.repositoryBytes / 1e6).toFixed(2)} MB; dedup ${status.dedupRatio.toFixed(2)}x; compression ${status.compressionRatio.toFixed(2)}x`,
  );
  // 8. The web console over the same repository, until Ctrl-C (skip: --no-console or ZB_NO_CONSOLE=1).
  if (!process.argv.includes('--no-console') && process.env['ZB_NO_CONSOLE'] !== '1') {
    const web = await createConsoleServer({
      repository,
      port: Number(process.env['ZB_CONSOLE_PORT'] ?? 0),
      ...(emu ? { server: { adminUrl: emu.adminUrl, mailUrl: emu.url } } : {}),
      ...(process.env['ZB_SERVER']
        ? {
            server: {
              adminUrl: process.env['ZB_SERVER'],
              mailUrl: process.env['ZB_MAIL_URL'] ?? process.env['ZB_SERVER'],
            },
          }
        : {}),
    });
    log(`8. web console: ${web.url}`);
    // The emulator's admin password is a throwaway generated for this run.
    if (emu) log(`   log in as ${emu.adminUser} / ${emu.adminPassword}; Ctrl-C to stop`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    await web.close();
  }
} finally {
  client.close();
  await emu?.close();
  if (!process.env['ZB_REPO']) await rm(dir, { recursive: true, force: true });
}
