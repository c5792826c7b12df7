import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { SOAP_DIRECTORY_WARNING } from '../../src/directory/index.js';
import { buildCorpus } from '../../src/emulator/seed/index.js';
import { backupFixture, diffMailbox, journalState, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('BackupEngine against the emulator', () => {
  it('initial + incremental equals the server state exactly', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    await emu.seed(buildCorpus({ seed: 7, accounts: 3, messagesPerAccount: 25, domain: 'example.test' }));
    const engine = new BackupEngine({ client, repository: repo });
    const first = await engine.run();
    expect(first.failures).toEqual([]);
    expect(first.accounts).toBe(emu.accounts().length); // the admin's own mailbox too
    expect(first.itemsNew).toBeGreaterThan(75);
    const accounts = emu.accounts().filter((a) => a.name.startsWith('user'));
    for (const a of accounts) expect(diffMailbox(emu, a.name, await journalState(repo, a.id))).toEqual([]);

    // A day of changes: new mail, moves, flags, tags, renames, deletes, a folder deleted with contents.
    const a0 = accounts[0]!;
    const snap = emu.snapshot(a0.name);
    const msgs = snap.items.filter((i) => i.type === 'message');
    emu.deliver(a0.name, 'From: x@y\r\nTo: u@example.test\r\nSubject: new\r\n\r\nhello\r\n', { folderPath: '/Inbox' });
    emu.move(a0.name, msgs[0]!.id, emu.folderId(a0.name, '/Trash'));
    emu.setFlags(a0.name, msgs[1]!.id, 'f');
    emu.setTags(a0.name, msgs[2]!.id, ['urgent-x']);
    emu.deleteItem(a0.name, msgs[3]!.id);
    const folder = emu.createFolder(a0.name, '/Projects/Alpha');
    const inFolder = emu.deliver(a0.name, 'Subject: alpha\r\n\r\nbody\r\n', { folderId: folder });
    emu.renameFolder(a0.name, folder, 'Beta');
    const second = await engine.run();
    expect(second.failures).toEqual([]);
    expect(second.itemsNew).toBeGreaterThanOrEqual(2);
    expect(second.itemsDeleted).toBe(1);
    expect(diffMailbox(emu, a0.name, await journalState(repo, a0.id))).toEqual([]);

    emu.deleteFolder(a0.name, folder);
    const third = await engine.run();
    expect(third.itemsDeleted).toBeGreaterThanOrEqual(2);
    const state = await journalState(repo, a0.id);
    expect(state.items.has(String(inFolder))).toBe(false);
    expect(diffMailbox(emu, a0.name, state)).toEqual([]);

    // Nothing changed: nothing downloaded.
    const idle = await engine.run();
    expect(idle.itemsNew + idle.itemsChanged + idle.itemsDeleted).toBe(0);
    expect(idle.bytesDownloaded).toBe(0);
  });

  it('stores a message delivered to many accounts once', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    const raw = `From: list@example.test\r\nSubject: weekly\r\n\r\n${'x'.repeat(5000)}\r\n`;
    for (let i = 0; i < 5; i++) {
      emu.createAccount(`member${i}@example.test`, 'pw-member');
      emu.deliver(`member${i}@example.test`, raw);
    }
    const engine = new BackupEngine({ client, repository: repo });
    const r = await engine.run();
    expect(r.failures).toEqual([]);
    expect(r.bytesDownloaded).toBeGreaterThanOrEqual(5 * 5000);
    expect(repo.blobs.stats.dedupHits).toBeGreaterThanOrEqual(4);
  });

  it('recovers from mail.MUST_RESYNC without losing or duplicating anything', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    await emu.seed(buildCorpus({ seed: 3, accounts: 1, messagesPerAccount: 10, domain: 'example.test' }));
    const acct = emu.accounts().find((a) => a.name.startsWith('user'))!;
    const engine = new BackupEngine({ client, repository: repo });
    await engine.run();
    const victim = emu.snapshot(acct.name).items.find((i) => i.type === 'message')!;
    emu.deleteItem(acct.name, victim.id);
    emu.deliver(acct.name, 'Subject: after\r\n\r\nnew\r\n');
    emu.expireTombstones(acct.name);
    const r = await engine.run();
    expect(r.failures).toEqual([]);
    expect(r.itemsDeleted).toBe(1);
    expect(r.itemsNew).toBeGreaterThanOrEqual(1);
    expect(diffMailbox(emu, acct.name, await journalState(repo, acct.id))).toEqual([]);
  });
});

describe('BackupEngine directory option', () => {
  it('saves a SOAP directory snapshot with the pass, with its warning, and none without the option', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    await emu.seed(buildCorpus({ seed: 3, accounts: 2, messagesPerAccount: 2, domain: 'example.test' }));
    const plain = await new BackupEngine({ client, repository: repo }).run();
    expect(plain.directory).toBeUndefined();
    expect(await repo.directoryDumps()).toEqual([]);
    const seen: string[] = [];
    const at = Date.parse('2026-11-26T04:24:05Z');
    const result = await new BackupEngine({
      client,
      repository: repo,
      directory: { source: 'soap' },
      now: () => at,
      onDirectory: (r) => seen.push(r.key),
    }).run();
    expect(result.directory).toMatchObject({
      key: 'directory/20261126T042405Z.ldif.gz',
      source: 'soap',
      warning: SOAP_DIRECTORY_WARNING,
    });
    expect(result.directory!.summary.byKind.account).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual(['directory/20261126T042405Z.ldif.gz']);
    const dumps = await repo.directoryDumps();
    expect(dumps.map((d) => d.key)).toEqual(['directory/20261126T042405Z.ldif.gz']);
    expect(dumps[0]!.size).toBe(result.directory!.bytes);
  });
});

describe('SmartScan (run({ full: true }))', () => {
  it('lists a mailbox only when its change id moved, and then repairs any drift', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    const acct = emu.createAccount('scan@example.test', 'pw-scan');
    emu.deliver(acct.name, 'Subject: one\r\n\r\n1\r\n');
    const runs: Array<{ id: string; full: boolean }> = [];
    const engine = new BackupEngine({
      client,
      repository: repo,
      accounts: [acct.name],
      onAccountRun: (r) => runs.push({ id: r.accountId, full: r.fullListing }),
    });
    await engine.run();
    expect(runs.at(-1)).toEqual({ id: acct.id, full: true }); // the first run lists the mailbox
    await engine.run({ full: true });
    expect(runs.at(-1)).toEqual({ id: acct.id, full: false }); // nothing moved since: the probe is enough

    // Drift: the journal holds an item the server does not (e.g. after a bad restore of the repository).
    const { Journal } = await import('../../src/journal/journal.js');
    const { accountPrefix } = await import('../../src/repository/layout.js');
    const j = await Journal.open({ backend: repo.backend, prefix: accountPrefix(acct.id) });
    await j.commit([
      { type: 'item', kind: 'message', id: '99999', folderId: '2', flags: '', tags: [], modifiedSequence: 1 },
    ]);
    await j.close();
    emu.deliver(acct.name, 'Subject: two\r\n\r\n2\r\n');
    const r = await engine.run({ full: true });
    expect(runs.at(-1)).toEqual({ id: acct.id, full: true });
    expect(r.itemsDeleted).toBe(1);
    expect(diffMailbox(emu, acct.name, await journalState(repo, acct.id))).toEqual([]);
  });
});
