// Server-side purges. store/src/java/com/zimbra/cs/mailbox/Mailbox.java `purgeMessages`: Trash and
// Junk items older than zimbraMailTrashLifetime / zimbraMailSpamLifetime (COS default 30d,
// store/conf/attrs/zimbra-attrs.xml) are deleted, by change date (zimbraMailPurgeUseChangeDateForTrash
// / ...ForSpam, default TRUE; Folder.java `purgeMessages`); then, while sync is tracked, tombstones
// older than LC tombstone_max_age_ms (3 months, common/.../localconfig/LC.java) are dropped by
// DbMailItem.purgeTombstones and the sync cutoff rises to the newest one dropped, so a SyncRequest
// with an older token faults mail.MUST_RESYNC ("sync token too old; tombstones have already been
// expired", MailServiceException.java; MailboxTest.java `trimTombstones`).
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { restoreAccount } from '../../src/restore/restore-account.js';
import { MustResyncError } from '../../src/soap/faults.js';
import { Sync } from '../../src/soap/requests/sync.js';
import { backupFixture, diffMailbox, journalState, type BackupFixture } from './backup-helpers.js';

const DAY = 86_400_000;
const msg = (s: string) => `From: a@x.test\r\nSubject: ${s}\r\nMessage-ID: <${s}@x.test>\r\n\r\nbody of ${s}\r\n`;
const pause = () => new Promise((r) => setTimeout(r, 5));

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('emulator: the mailbox purge (Mailbox.java purgeMessages)', () => {
  it('purges Trash and Junk by change date after 30 days; honours shorter lifetimes and subfolders', async () => {
    fx = await backupFixture();
    const { emu } = fx;
    const u = emu.createAccount('purge-model@example.test', 'pw-pm');
    const old = emu.deliver(u.name, msg('old'), { receivedMs: Date.now() - 400 * DAY });
    const junk = emu.deliver(u.name, msg('junk'), { folderId: 4 });
    const keep = emu.deliver(u.name, msg('keep'));
    emu.move(u.name, old, 3); // its change date is now, however old its received date
    const sub = emu.createFolder(u.name, '/Trash/old stuff');
    const inSub = emu.deliver(u.name, msg('sub'), { folderId: sub });
    emu.advanceClock(29 * DAY);
    expect(emu.purgeMessages(u.name).purged).toEqual([]);
    const moved = emu.deliver(u.name, msg('moved-late'));
    emu.move(u.name, moved, 3);
    const r = emu.advanceClock(2 * DAY).get(u.name)!;
    expect(r.purged.sort((a, b) => a - b)).toEqual([old, junk, inSub].sort((a, b) => a - b));
    const ids = emu.snapshot(u.name).items.map((i) => i.id);
    expect(ids).toContain(keep);
    expect(ids).toContain(moved); // in Trash for 2 days only
    expect(emu.snapshot(u.name).folders.some((f) => f.id === sub)).toBe(false); // emptied and old: gone
    // zimbraPrefTrashLifetime shorter than the admin's: the shorter one wins (pickTimeout)
    await fx.client.modifyAccount(u.id, { zimbraPrefTrashLifetime: '1d' });
    expect(emu.advanceClock(1 * DAY + 1000).get(u.name)!.purged).toEqual([moved]);
  });

  it('drops tombstones after 3 months: an older token gets mail.MUST_RESYNC, a token at the cutoff does not', async () => {
    fx = await backupFixture();
    const { emu, client } = fx;
    const u = emu.createAccount('tomb@example.test', 'pw-t');
    const a = emu.deliver(u.name, msg('a'));
    const account = { account: { by: 'id' as const, value: u.id } };
    const first = await client.send(Sync, {}, account);
    const token = first.token;
    emu.deleteItem(u.name, a);
    const afterDelete = String(emu.lastChangeId(u.name));
    emu.advanceClock(30 * DAY);
    expect((await client.send(Sync, { token }, account)).deleted.ids).toContain(String(a));
    emu.advanceClock(64 * DAY); // 94 days > 3 x 31
    await expect(client.send(Sync, { token }, account)).rejects.toBeInstanceOf(MustResyncError);
    await expect(client.send(Sync, { token }, account)).rejects.toMatchObject({ faultCode: 'mail.MUST_RESYNC' });
    await expect(client.send(Sync, { token: afterDelete }, account)).resolves.toBeDefined();
  });
});

describe('backup across server purges', () => {
  it('keeps the purged items restorable at an instant before the purge; MUST_RESYNC loses and re-downloads nothing', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    const u = emu.createAccount('purged@example.test', 'pw-pu');
    const trashed = emu.deliver(u.name, msg('trashed'));
    const deleted = emu.deliver(u.name, msg('deleted'));
    const kept = emu.deliver(u.name, msg('kept'));
    const listings: boolean[] = [];
    const engine = new BackupEngine({
      client,
      repository: repo,
      onAccountRun: (r) => r.accountId === u.id && listings.push(r.fullListing),
    });
    expect((await engine.run()).failures).toEqual([]);

    emu.move(u.name, trashed, 3);
    expect((await engine.run()).itemsChanged).toBe(1);
    await pause();
    const beforePurge = Date.now();
    await pause();

    // 31 days later the purge thread has emptied Trash: a delete like any other for the backup
    expect(emu.advanceClock(31 * DAY).get(u.name)?.purged).toEqual([trashed]);
    listings.length = 0;
    const afterPurge = await engine.run();
    expect(listings).toEqual([false]); // still a delta: the purge's deletes came as tombstones
    expect(afterPurge.itemsDeleted).toBe(1);
    expect((await journalState(repo, u.id)).items.has(String(trashed))).toBe(false);
    const then = await journalState(repo, u.id, beforePurge);
    expect(then.items.get(String(trashed))?.folderId).toBe('3');

    // Changes while the backup is not running, then 3 months: tombstones expire
    emu.deleteItem(u.name, deleted);
    emu.setFlags(u.name, kept, 'f');
    const late = emu.deliver(u.name, msg('late'));
    emu.advanceClock(94 * DAY);
    emu.stats.reset();
    listings.length = 0;
    const resync = await engine.run();
    expect(resync.failures).toEqual([]);
    expect(listings).toEqual([true]); // the token was refused (MUST_RESYNC): the mailbox was listed in full
    // only the new message's bytes are fetched: known content is matched by its revision
    expect(emu.stats.get('REST')).toBe(1);
    expect(resync).toMatchObject({ itemsNew: 1, itemsChanged: 1, itemsDeleted: 1 });
    const now = await journalState(repo, u.id);
    expect(diffMailbox(emu, u.name, now)).toEqual([]);
    expect(now.items.has(String(late))).toBe(true);
    expect(now.items.get(String(kept))?.flags).toBe('f');

    // The full history is still there: the purged message restores from an instant before the purge
    const r = await restoreAccount({
      repository: repo,
      client,
      account: u.name,
      at: beforePurge,
      toAccount: 'purged-restored@example.test',
    });
    expect(r.failures).toEqual([]);
    const restored = emu.snapshot('purged-restored@example.test').items.filter((i) => i.type === 'message');
    const sha = (id: number) => emu.snapshot(u.name).items.find((i) => i.id === id)?.sha256;
    expect(restored.map((i) => i.sha256)).toContain(then.items.get(String(trashed))?.digest);
    expect(restored.map((i) => i.sha256)).toContain(sha(kept));
    expect(restored).toHaveLength(3);
  });
});
