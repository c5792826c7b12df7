// Restoring notes (MailItem.Type.NOTE, store/src/java/com/zimbra/cs/mailbox/Note.java).
// A restore recreates a note with CreateNoteRequest (store/src/java/com/zimbra/cs/service/mail/
// CreateNote.java: folder `l`, `content`, `color`, bounds `pos`; soap/.../mail/type/NewNoteSpec.java)
// and sets its flags and tags with ItemActionRequest op=update (ItemAction.java; CreateNote takes
// neither). MailService.java registers CreateNote only when localconfig `notes_enabled` is true
// (common/.../localconfig/LC.java: default false); a stock server answers service.UNKNOWN_DOCUMENT
// (store/src/java/com/zimbra/soap/SoapEngine.java), so the restore reports the notes as not
// restorable there, names `zmlocalconfig -e notes_enabled=true`, and restores everything else.
// A note already in the target folder is found with SearchRequest types=note (SearchParams.java;
// SearchResponse.java answers NoteHits with ToXML.encodeNote) and not written twice.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Readable, Writable } from 'node:stream';
import { restoreCommand } from '../../src/cli/commands/restore.js';
import { saveDirectoryEntries, soapDirectoryEntries } from '../../src/directory/directory-snapshot.js';
import { exportArchive } from '../../src/export/export-archive.js';
import { importArchive } from '../../src/import/import-archive.js';
import { directoryDumpKey } from '../../src/repository/layout.js';
import { startEmulator } from '../../src/emulator/index.js';
import { initRepository } from '../../src/repository/repository.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { runCommand, serverArgs, writePasswordFile } from '../helpers/cli.js';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import type { ItemRecord } from '../../src/journal/types.js';
import { restoreAccount } from '../../src/restore/restore-account.js';
import { restoreItems } from '../../src/restore/restore-items.js';
import { undelete } from '../../src/restore/undelete.js';
import { backupFixture, journalState, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
let dir: string | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const MSG = 'From: a@example.test\r\nSubject: keep me\r\nMessage-ID: <keep-1@example.test>\r\n\r\nbody\r\n';

/** A source account with two notes (one flagged and tagged in a subfolder) and a message. */
async function sourceWithNotes(fx: BackupFixture) {
  const { emu, client, repo } = fx;
  const u = emu.createAccount('notes-src@example.test', 'pw-ns');
  const sub = emu.createFolder(u.name, '/Inbox/Ideas');
  const plain = emu.addNote(u.name, 'call the plumber', { bounds: '10,20,200,100', color: 3 });
  const rich = emu.addNote(u.name, 'line one\nline "two" <&>', { folderId: sub, bounds: '1,2,3,4', color: 7 });
  emu.setFlags(u.name, rich, 'f');
  emu.setTags(u.name, rich, ['urgent', 'home']);
  const msg = emu.deliver(u.name, MSG);
  const r = await new BackupEngine({ client, repository: repo }).run();
  expect(r.failures).toEqual([]);
  return { u, plain, rich, msg };
}

/** The notes of an account as a backup of it sees them: folder path, text, bounds, colour, flags, tags. */
async function notesOf(fx: BackupFixture, accountId: string) {
  const r = await new BackupEngine({ client: fx.client, repository: fx.repo }).run();
  expect(r.failures).toEqual([]);
  const state = await journalState(fx.repo, accountId);
  const out = [...state.items.values()]
    .filter((rec: ItemRecord) => rec.kind === 'note')
    .map((rec) => ({
      path: state.folders.get(rec.folderId ?? '')?.path,
      meta: rec.meta,
      flags: rec.flags ?? '',
      tags: [...(rec.tags ?? [])].sort(),
    }));
  return out.sort((a, b) => String(a.meta?.['content']).localeCompare(String(b.meta?.['content'])));
}

describe('restoring notes (CreateNote.java; MailService.java notes_enabled)', () => {
  it('with notes enabled: a restore recreates every note identical (text, bounds, colour, folder, flags, tags)', async () => {
    fx = await backupFixture();
    fx.emu.setNotesEnabled(true);
    const { u } = await sourceWithNotes(fx);
    const before = await notesOf(fx, u.id);
    const at = Date.now(); // one instant: the same restore each time (its id map resumes)
    expect(before).toHaveLength(2);
    expect(before).toContainEqual({
      path: '/Inbox/Ideas',
      meta: { content: 'line one\nline "two" <&>', bounds: '1,2,3,4', color: 7 },
      flags: 'f',
      tags: ['home', 'urgent'],
    });

    const preview = await restoreAccount({
      repository: fx.repo,
      client: fx.client,
      account: u.name,
      at,
      toAccount: 'notes-copy@example.test',
      dryRun: true,
    });
    expect(preview.planned.filter((p) => p.kind === 'note')).toHaveLength(2);
    expect(preview.unsupported).toEqual([]);
    expect(preview.warnings).toBeUndefined();

    const res = await restoreAccount({
      repository: fx.repo,
      client: fx.client,
      account: u.name,
      at,
      toAccount: 'notes-copy@example.test',
    });
    expect(res.failures).toEqual([]);
    expect(res.unsupported).toEqual([]);
    expect(res.counts.note).toEqual({ restored: 2, skipped: 0, failed: 0 });
    expect(res.counts.message.restored).toBe(1);
    const copy = fx.emu.accounts().find((a) => a.name === 'notes-copy@example.test')!;
    expect(await notesOf(fx, copy.id)).toEqual(before);

    // a second run of the same restore writes nothing again (id map)
    const again = await restoreAccount({
      repository: fx.repo,
      client: fx.client,
      account: u.name,
      at,
      toAccount: 'notes-copy@example.test',
    });
    expect(again.counts.note).toEqual({ restored: 0, skipped: 2, failed: 0 });
    expect(fx.emu.snapshot('notes-copy@example.test').items.filter((i) => i.type === 'note')).toHaveLength(2);

    // another restore (its own id map) into the same account finds the notes already in their
    // folders (Search types=note: same text, bounds and colour) and writes none again
    const other = await restoreAccount({
      repository: fx.repo,
      client: fx.client,
      account: u.name,
      at: at + 1,
      toAccount: 'notes-copy@example.test',
      intoExisting: true,
    });
    expect(other.failures).toEqual([]);
    expect(other.counts.note).toEqual({ restored: 0, skipped: 2, failed: 0 });
    expect(fx.emu.snapshot('notes-copy@example.test').items.filter((i) => i.type === 'note')).toHaveLength(2);
  });

  it('with notes disabled (the default): notes are reported as not restorable, naming notes_enabled; the rest is restored', async () => {
    fx = await backupFixture();
    const { u } = await sourceWithNotes(fx);
    const before = await notesOf(fx, u.id);
    const at = Date.now(); // one instant: the same restore each time (its id map resumes)

    const preview = await restoreAccount({
      repository: fx.repo,
      client: fx.client,
      account: u.name,
      at,
      toAccount: 'notes-off@example.test',
      dryRun: true,
    });
    expect(preview.planned.filter((p) => p.kind === 'note')).toEqual([]);
    expect(preview.planned.filter((p) => p.kind === 'message')).toHaveLength(1);
    expect(preview.unsupported.map((x) => x.kind)).toEqual(['note', 'note']);
    expect(preview.warnings).toEqual([expect.stringContaining('zmlocalconfig -e notes_enabled=true')]);

    const res = await restoreAccount({
      repository: fx.repo,
      client: fx.client,
      account: u.name,
      at,
      toAccount: 'notes-off@example.test',
    });
    expect(res.counts.note).toEqual({ restored: 0, skipped: 0, failed: 2 });
    expect(res.failures).toEqual([
      expect.objectContaining({ kind: 'note', code: 'ZB_UNSUPPORTED' }),
      expect.objectContaining({ kind: 'note', code: 'ZB_UNSUPPORTED' }),
    ]);
    expect(res.failures[0]!.message).toContain('zmlocalconfig -e notes_enabled=true');
    expect(res.warnings).toEqual([expect.stringContaining('zmlocalconfig -e notes_enabled=true')]);
    expect(res.counts.message).toEqual({ restored: 1, skipped: 0, failed: 0 });
    const snap = fx.emu.snapshot('notes-off@example.test');
    expect(snap.items.filter((i) => i.type === 'note')).toEqual([]);
    expect(snap.items.filter((i) => i.type === 'message')).toHaveLength(1);
    // folders and tags of the notes are still set up (they belong to the mailbox)
    expect(snap.folders.map((f) => f.path)).toContain('/Inbox/Ideas');

    // once the administrator enables notes (and restarts), the same restore adds just the notes
    fx.emu.setNotesEnabled(true);
    const rerun = await restoreAccount({
      repository: fx.repo,
      client: fx.client,
      account: u.name,
      at,
      toAccount: 'notes-off@example.test',
    });
    expect(rerun.failures).toEqual([]);
    expect(rerun.counts.note).toEqual({ restored: 2, skipped: 0, failed: 0 });
    expect(rerun.counts.message).toEqual({ restored: 0, skipped: 1, failed: 0 });
    const copy = fx.emu.accounts().find((a) => a.name === 'notes-off@example.test')!;
    expect(await notesOf(fx, copy.id)).toEqual(before);
  });

  it('single-item restore and undelete bring a deleted note back', async () => {
    fx = await backupFixture();
    fx.emu.setNotesEnabled(true);
    const { u, rich } = await sourceWithNotes(fx);
    const t0 = Date.now();
    fx.emu.deleteItem(u.name, rich);
    const r = await new BackupEngine({ client: fx.client, repository: fx.repo }).run();
    expect(r.failures).toEqual([]);
    const t1 = Date.now();

    const one = await restoreItems({ repository: fx.repo, client: fx.client, account: u.name, ids: [String(rich)] });
    expect(one.failures).toEqual([]);
    expect(one.counts.note.restored).toBe(1);
    const back = fx.emu.snapshot(u.name).items.filter((i) => i.type === 'note' && i.subject?.startsWith('line one'));
    expect(back).toEqual([expect.objectContaining({ flags: 'f', tags: expect.arrayContaining(['urgent', 'home']) })]);

    const und = await undelete({ repository: fx.repo, client: fx.client, account: u.name, from: t0 - 1, to: t1 });
    expect(und.failures).toEqual([]);
    expect(und.counts.note.restored).toBe(1);
    expect(
      fx.emu.snapshot(u.name).items.filter((i) => i.type === 'note' && i.subject?.startsWith('line one')),
    ).toHaveLength(2);
  });

  it('CLI restore on a default server: the dry run counts no notes, the run warns with notes_enabled and exits 1', async () => {
    const emu = await startEmulator({ domain: 'example.test' });
    fx = { emu, close: () => emu.close() } as unknown as BackupFixture;
    dir = await mkdtemp(join(tmpdir(), 'zb-notes-cli-'));
    const repoDir = join(dir, 'repo');
    const pwFile = join(dir, 'pw');
    await writePasswordFile(pwFile, emu.adminPassword);
    const user = 'notes-cli@example.test';
    emu.createAccount(user, 'pw-nc');
    emu.addNote(user, 'remember the milk', { bounds: '1,1,50,50' });
    emu.deliver(user, MSG);
    const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
    await client.authAdmin(emu.adminUser, emu.adminPassword);
    await new BackupEngine({
      client,
      repository: await initRepository({ backend: new LocalBackend({ root: repoDir }) }),
    }).run();
    client.close();
    const at = new Date().toISOString();
    const args = [
      '--repo',
      repoDir,
      ...serverArgs(emu, pwFile),
      '--account',
      user,
      '--at',
      at,
      '--to-account',
      'notes-cli2@example.test',
    ];

    const dry = await runCommand(restoreCommand, [...args, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('dry run: 1 items would be restored');
    expect(dry.out).not.toMatch(/^note /m);
    expect(dry.err).toMatch(/^would not be restored: note \d+: notes are disabled on the target server$/m);
    expect(dry.err).toMatch(/^warning: notes not restored: .*zmlocalconfig -e notes_enabled=true/m);

    const real = await runCommand(restoreCommand, args);
    expect(real.code).toBe(1); // a note the user asked for was not written: never a success
    expect(real.out).toMatch(/message: 1 restored, 0 skipped; note: 0 restored, 0 skipped, 1 failed/);
    expect(real.err).toMatch(/^warning: notes not restored: .*zmlocalconfig -e notes_enabled=true/m);
    expect(real.err).toMatch(/^failed: note \d+: ZB_UNSUPPORTED: /m);
    expect(emu.snapshot('notes-cli2@example.test').items.map((i) => i.type)).toEqual(['message']);
  });

  it('export and import carry notes: recreated on a server with notes enabled, reported on a default one', async () => {
    fx = await backupFixture();
    const src = fx;
    const { u, rich } = await sourceWithNotes(src);
    await saveDirectoryEntries(src.repo.backend, directoryDumpKey(new Date()), soapDirectoryEntries(src.client));
    expect((await new BackupEngine({ client: src.client, repository: src.repo }).run()).failures).toEqual([]);
    const chunks: Buffer[] = [];
    await exportArchive({
      repo: src.repo,
      accounts: [u.name],
      out: new Writable({
        write(c: Buffer, _e, cb) {
          chunks.push(c);
          cb();
        },
      }),
    });
    const archive = Buffer.concat(chunks);
    const richText = src.emu.snapshot(u.name).items.find((i) => i.id === rich)!.subject;

    for (const notesEnabled of [true, false]) {
      const emu = await startEmulator({ domain: 'example.test', notesEnabled });
      const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 0 });
      try {
        await client.authAdmin(emu.adminUser, emu.adminPassword);
        const r = await importArchive({ archive: Readable.from([archive]), client });
        const acct = r.accounts.find((a) => a.name === u.name)!;
        const items = emu.snapshot(u.name).items;
        expect(items.filter((i) => i.type === 'message')).toHaveLength(1);
        if (notesEnabled) {
          expect([acct.status, acct.failures, acct.warnings]).toEqual(['done', [], undefined]);
          const notes = items.filter((i) => i.type === 'note');
          expect(notes.map((n) => n.subject).sort()).toEqual(['call the plumber', richText].sort());
          expect(notes.find((n) => n.subject === richText)).toMatchObject({ flags: 'f' });
          expect([...notes.find((n) => n.subject === richText)!.tags].sort()).toEqual(['home', 'urgent']);
        } else {
          expect(acct.status).toBe('partial');
          expect(acct.failures.map((f) => [f.kind, f.code])).toEqual([
            ['note', 'ZB_UNSUPPORTED'],
            ['note', 'ZB_UNSUPPORTED'],
          ]);
          expect(acct.warnings).toEqual([expect.stringContaining('zmlocalconfig -e notes_enabled=true')]);
          expect(items.filter((i) => i.type === 'note')).toEqual([]);
        }
      } finally {
        client.close();
        await emu.close();
      }
    }
  });
});
