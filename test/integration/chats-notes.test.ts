// Chats and notes. store/src/java/com/zimbra/cs/mailbox/MailItem.java: CHAT (16) is a Message
// subclass (Chat.java) with an RFC 822 blob, kept in Chats (Mailbox.java ID_FOLDER_IM_LOGS, 14, view
// message); NOTE (9) is a sticky note (Note.java): text, bounds and color, no blob.
// store/src/java/com/zimbra/cs/service/mail/Sync.java lists them as <chat ids> / <note ids> and
// answers <chat>/<note> in a delta; ToXML.java encodeMessageCommon serializes a chat as <chat> in
// GetMsgMetadataResponse (GetMsg.getMsgs asks for MESSAGE, which a CHAT satisfies,
// MailItem.isAcceptableType); encodeNote writes `pos`, `color` and the text as <content>. The
// native REST formatter (NativeFormatter.java) serves a chat as a message; a note has no REST form.
// No SOAP request creates a chat (only the IM service and ArchiveFormatter did): a restore re-adds it
// as a message. Notes are recreated with CreateNoteRequest (CreateNote.java), which a server serves
// only with localconfig notes_enabled (restore-notes.test.ts).
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { restoreAccount } from '../../src/restore/restore-account.js';
import { GetMsgMetadata } from '../../src/soap/requests/get-msg-metadata.js';
import { Sync } from '../../src/soap/requests/sync.js';
import { backupFixture, diffMailbox, journalState, type BackupFixture } from './backup-helpers.js';

const CHAT =
  'From: ann@example.test\r\nTo: bob@example.test\r\nSubject: Chat with ann\r\nMessage-ID: <chat-1@example.test>\r\n\r\nann: lunch?\r\nbob: yes\r\n';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('chats and notes (MailItem.java CHAT, NOTE)', () => {
  it('the emulator lists them as Zimbra does: <chat>/<note> ids in Sync, <chat> in GetMsgMetadata', async () => {
    fx = await backupFixture({ ignoreNoQualify: false });
    const { emu, client } = fx;
    const u = emu.createAccount('chat-wire@example.test', 'pw-cw');
    const chat = emu.addChat(u.name, CHAT);
    const note = emu.addNote(u.name, 'call the plumber', { bounds: '10,20,200,100', color: 3 });
    const account = { account: { by: 'id' as const, value: u.id } };
    const initial = await client.send(Sync, {}, account);
    const chats = initial.folders.find((f) => f.id === '14')!;
    expect(chats).toMatchObject({ name: 'Chats', view: 'message' });
    const md = await client.send(GetMsgMetadata, { ids: [String(chat)] }, account);
    expect(md.messages).toEqual([expect.objectContaining({ type: 'chat', id: String(chat), folderId: '14' })]);
    emu.setFlags(u.name, note, 'f');
    const delta = await client.send(Sync, { token: initial.token }, account);
    expect(delta.items).toEqual([expect.objectContaining({ type: 'note', id: String(note) })]);
  });

  it('a backup keeps chats (blob) and notes (metadata); a restore re-adds chats as messages and reports notes as not restorable on a default server', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    const u = emu.createAccount('chats@example.test', 'pw-ch');
    const chat = emu.addChat(u.name, CHAT);
    const note = emu.addNote(u.name, 'call the plumber', { bounds: '10,20,200,100', color: 3 });
    const r = await new BackupEngine({ client, repository: repo }).run();
    expect(r.failures).toEqual([]);
    const state = await journalState(repo, u.id);
    expect(diffMailbox(emu, u.name, state)).toEqual([]);
    const c = state.items.get(String(chat))!;
    expect(c).toMatchObject({ kind: 'message', folderId: '14', digest: sha(CHAT) });
    expect(c.meta?.['zimbraType']).toBe('chat');
    const n = state.items.get(String(note))!;
    expect(n).toMatchObject({ kind: 'note', folderId: '2' });
    expect(n.digest).toBeUndefined();
    expect(n.meta).toEqual({ content: 'call the plumber', bounds: '10,20,200,100', color: 3 });

    // a change to the note is a new version; an unchanged chat costs nothing
    emu.stats.reset();
    emu.setFlags(u.name, note, 'f');
    const again = await new BackupEngine({ client, repository: repo }).run();
    expect(again).toMatchObject({ itemsChanged: 1, itemsNew: 0 });
    expect(emu.stats.get('REST')).toBe(0);

    const restored = await restoreAccount({
      repository: repo,
      client,
      account: u.name,
      at: Date.now(),
      toAccount: 'chats-restored@example.test',
    });
    // a default server has notes disabled (MailService.java, LC.java notes_enabled): the note is
    // reported as not restorable there (restore-notes.test.ts covers both settings)
    expect(restored.unsupported).toEqual([]);
    expect(restored.failures).toEqual([
      expect.objectContaining({ id: String(note), kind: 'note', code: 'ZB_UNSUPPORTED' }),
    ]);
    const items = emu.snapshot('chats-restored@example.test').items;
    expect(items.filter((i) => i.type === 'message')).toEqual([
      expect.objectContaining({ folderId: 14, sha256: sha(CHAT) }),
    ]);
  });
});
