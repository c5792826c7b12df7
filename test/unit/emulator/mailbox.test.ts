import { describe, expect, it } from 'vitest';
import { Mailbox } from '../../../src/emulator/model/mailbox.js';
import {
  addMessage,
  deleteItems,
  saveDocument,
  setCalendarItem,
  setTags,
} from '../../../src/emulator/model/item-ops.js';
import {
  createFolderPath,
  createTag,
  deleteFolder,
  moveFolder,
  renameFolder,
} from '../../../src/emulator/model/folder-ops.js';
import { runSync } from '../../../src/emulator/model/sync.js';
import { SoapFault } from '../../../src/emulator/wire/soap-fault.js';

const msg = (headers: string): Buffer => Buffer.from(`${headers}\r\n\r\nbody\r\n`);

describe('Mailbox model', () => {
  it('starts with the system folders and user ids from 257', () => {
    const mbox = new Mailbox('a', 1);
    expect(mbox.folderPath(2)).toBe('/Inbox');
    expect(mbox.folderByPath('/briefcase')?.id).toBe(16);
    expect(addMessage(mbox, msg('Subject: a')).id).toBe(257);
  });

  it('gives every item touched by one transaction the same change id', () => {
    const mbox = new Mailbox('a', 1);
    const m = addMessage(mbox, msg('Subject: a'), { tagNames: ['x', 'y'] });
    const tags = [...mbox.tagIds].map((id) => mbox.get(id)!);
    expect(tags.map((t) => t.modifiedSequence)).toEqual([m.modifiedSequence, m.modifiedSequence]);
    expect(m.savedSequence).toBe(mbox.lastChangeId);
  });

  it('threads a reply into a real conversation and drops it when emptied', () => {
    const mbox = new Mailbox('a', 1);
    const first = addMessage(mbox, msg('Subject: hi\r\nMessage-ID: <1@x>'));
    expect(first.convId).toBeUndefined();
    const reply = addMessage(mbox, msg('Subject: Re: hi\r\nIn-Reply-To: <1@x>'));
    expect(reply.convId).toBeDefined();
    expect(first.convId).toBe(reply.convId);
    const conv = mbox.get(reply.convId!)!;
    expect(conv.type).toBe('conversation');
    runSync(mbox, {});
    deleteItems(mbox, [first.id, reply.id]);
    expect(mbox.get(conv.id)).toBeUndefined();
    expect(mbox.tombstones.map((t) => t.type).sort()).toEqual(['conversation', 'message', 'message']);
  });

  it('sets the attachment flag from a Content-Disposition header', () => {
    const mbox = new Mailbox('a', 1);
    const raw =
      'Subject: a\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Disposition: attachment; filename=x\r\n\r\nx\r\n--b--\r\n';
    expect(addMessage(mbox, Buffer.from(raw), { flags: 'u' }).flags).toBe('au');
    expect(addMessage(mbox, msg('Subject: attachment talk')).flags).toBe('');
  });

  it('renames, moves and deletes folder trees with their contents', () => {
    const mbox = new Mailbox('a', 1);
    const a = createFolderPath(mbox, '/Projects/A');
    const m = addMessage(mbox, msg('Subject: x'), { folder: '/Projects/A' });
    renameFolder(mbox, a.id, 'Alpha');
    expect(mbox.folderPath(a.id)).toBe('/Projects/Alpha');
    moveFolder(mbox, a.id, 2);
    expect(mbox.folderPath(a.id)).toBe('/Inbox/Alpha');
    runSync(mbox, {});
    expect(() => deleteFolder(mbox, '/Inbox')).toThrow(SoapFault);
    expect(mbox.get(2)).toBeDefined();
    deleteFolder(mbox, a.id);
    expect(mbox.get(m.id)).toBeUndefined();
    expect(mbox.tombstones.map((t) => t.id).sort()).toEqual([a.id, m.id].sort());
  });

  it('refuses duplicate names and unknown folders with Zimbra codes', () => {
    const mbox = new Mailbox('a', 1);
    createTag(mbox, 'work');
    const code = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        return (err as SoapFault).code;
      }
      return 'none';
    };
    expect(code(() => createTag(mbox, 'Work'))).toBe('mail.ALREADY_EXISTS');
    expect(code(() => addMessage(mbox, msg('Subject: x'), { folder: 999 }))).toBe('mail.NO_SUCH_FOLDER');
    expect(code(() => setTags(mbox, [12345], ['x']))).toBe('mail.NO_SUCH_ITEM');
    expect(code(() => createFolderPath(mbox, '/a/b:c'))).toBe('mail.INVALID_NAME');
  });

  it('replaces calendar items by UID and documents by name as content changes', () => {
    const mbox = new Mailbox('a', 1);
    const ics = (s: string): string =>
      `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u1\r\nSUMMARY:${s}\r\nDTSTART:20240101T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
    const a = setCalendarItem(mbox, ics('one'), 'appointment');
    const b = setCalendarItem(mbox, ics('two'), 'appointment');
    expect(b.id).toBe(a.id);
    expect(b.savedSequence).toBe(mbox.lastChangeId);
    expect(a.date).toBe(Date.UTC(2024, 0, 1, 10));
    const d1 = saveDocument(mbox, 'r.txt', Buffer.from('1'), 'text/plain');
    const d2 = saveDocument(mbox, 'R.txt', Buffer.from('22'), 'text/plain');
    expect(d2.id).toBe(d1.id);
    expect(d2.size).toBe(2);
  });
});
