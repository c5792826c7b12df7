/**
 * Item operations shared by the SOAP handlers and the emulator's mutation API: delivery
 * (with conversation threading), moves, flags, tags, deletes, contacts, calendar items and
 * documents. Each call is one mailbox change.
 */
import { createHash } from 'node:crypto';
import { faults } from '../wire/soap-fault.js';
import { FOLDER, normalizeFlags, type ContactMember, type ContactPart, type ItemType, type MailItem } from './item.js';
import type { Mailbox, Txn } from './mailbox.js';
import { header, messageIdsIn, parseHeaders } from './mime-headers.js';
import { emptyFolderIn, removeItemIn, resolveFolder, tagIdsFor, type FolderRef } from './folder-ops.js';

/** Lower-case hex SHA-256. */
export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Options of {@link addMessage}. */
export interface AddMessageOptions {
  folder?: FolderRef | undefined;
  flags?: string | undefined;
  /** Tag names; missing tags are created. */
  tagNames?: string[] | undefined;
  /** Tag ids (must exist). */
  tagIds?: number[] | undefined;
  /** Received date in ms; default now. */
  receivedMs?: number | undefined;
  /** Store it as a chat (MailItem.Type.CHAT, Chat.java): a message of its own type, never threaded. */
  chat?: boolean | undefined;
}

/** Stores a raw RFC822 message; threads it into a conversation when it replies to a stored message. */
export function addMessage(mbox: Mailbox, raw: Buffer, opts: AddMessageOptions = {}): MailItem {
  const folder = resolveFolder(mbox, opts.folder ?? FOLDER.INBOX);
  const h = parseHeaders(raw);
  const messageId = messageIdsIn(header(h, 'message-id'))[0];
  const refs = [...messageIdsIn(header(h, 'in-reply-to')), ...messageIdsIn(header(h, 'references'))];
  const tagIds = opts.tagIds ?? [];
  for (const id of tagIds) if (mbox.get(id)?.type !== 'tag') throw faults.invalidRequest(`unknown tag id ${id}`);
  let flags = opts.flags ?? '';
  // the 'a' flag: a cheap byte scan first, the header regex only when the word occurs at all
  if (raw.indexOf('attachment') >= 0 && /^content-disposition:[ \t]*attachment/im.test(raw.toString('latin1')))
    flags += 'a';
  return mbox.transaction((txn) => {
    const msg = txn.create({
      type: opts.chat ? 'chat' : 'message',
      folderId: folder.id,
      flags: normalizeFlags(flags),
      tagIds: [...tagIds, ...tagIdsFor(mbox, txn, opts.tagNames ?? [])],
      date: opts.receivedMs ?? mbox.clock.now(),
      size: raw.length,
      blob: raw,
      digest: sha256Hex(raw),
      subject: header(h, 'subject') ?? '',
      sender: header(h, 'from'),
      messageId,
    });
    if (opts.chat) return msg; // a chat is its own conversation (Chat.java: parentId = -id)
    if (messageId && !mbox.messageIds.has(messageId)) mbox.messageIds.set(messageId, msg.id);
    thread(mbox, txn, msg, refs);
    return msg;
  });
}

function thread(mbox: Mailbox, txn: Txn, msg: MailItem, refs: string[]): void {
  for (const ref of refs) {
    const parentId = mbox.messageIds.get(ref);
    const parent = parentId === undefined ? undefined : mbox.get(parentId);
    if (!parent || parent.id === msg.id) continue;
    let convId = parent.convId;
    if (convId === undefined) {
      // a reply to a single message turns its virtual conversation into a real one
      const conv = txn.create({ type: 'conversation', folderId: FOLDER.CONVERSATIONS, subject: parent.subject });
      convId = conv.id;
      mbox.convMembers.set(convId, new Set([parent.id]));
      txn.modify(parent, (p) => void (p.convId = conv.id));
    } else {
      const conv = mbox.get(convId);
      if (conv) txn.modify(conv, () => undefined);
    }
    mbox.convMembers.get(convId)?.add(msg.id);
    msg.convId = convId;
    return;
  }
}

/** The item, or `mail.NO_SUCH_ITEM`. Folders and tags are not items for these operations. */
export function getItem(mbox: Mailbox, id: number): MailItem {
  const item = mbox.get(id);
  if (!item) throw faults.noSuchItem(id);
  return item;
}

/** Moves items to a folder. */
export function moveItems(mbox: Mailbox, ids: number[], to: FolderRef): void {
  const folder = resolveFolder(mbox, to);
  const items = ids.map((id) => getItem(mbox, id));
  mbox.transaction((txn) => {
    for (const item of items) {
      if (item.type === 'folder') {
        if (item.id < 256) throw faults.permDenied('cannot move a system folder');
        txn.modify(item, (i) => void (i.folderId = folder.id));
      } else if (item.folderId !== folder.id) txn.modify(item, (i) => void (i.folderId = folder.id));
    }
  });
}

/** Replaces the flags of items (a normalised flag string). */
export function setFlags(mbox: Mailbox, ids: number[], flags: string): void {
  const items = ids.map((id) => getItem(mbox, id));
  const f = normalizeFlags(flags);
  mbox.transaction((txn) => {
    for (const item of items) if (item.flags !== f) txn.modify(item, (i) => void (i.flags = f));
  });
}

/** Adds or removes one flag letter on items. */
export function toggleFlag(mbox: Mailbox, ids: number[], flag: string, on: boolean): void {
  const items = ids.map((id) => getItem(mbox, id));
  mbox.transaction((txn) => {
    for (const item of items) {
      const next = normalizeFlags(on ? item.flags + flag : item.flags.replaceAll(flag, ''));
      if (next !== item.flags) txn.modify(item, (i) => void (i.flags = next));
    }
  });
}

/** Replaces the tags of items by name (creating missing tags). */
export function setTags(mbox: Mailbox, ids: number[], names: string[]): void {
  const items = ids.map((id) => getItem(mbox, id));
  mbox.transaction((txn) => {
    const tagIds = tagIdsFor(mbox, txn, names);
    for (const item of items) txn.modify(item, (i) => void (i.tagIds = [...tagIds]));
  });
}

/** Adds or removes one tag (by name) on items. */
export function toggleTag(mbox: Mailbox, ids: number[], name: string, on: boolean): void {
  const items = ids.map((id) => getItem(mbox, id));
  mbox.transaction((txn) => {
    const [tagId] = on ? tagIdsFor(mbox, txn, [name]) : [mbox.tagByName(name)?.id];
    if (tagId === undefined) return;
    for (const item of items) {
      const has = item.tagIds.includes(tagId);
      if (has === on) continue;
      txn.modify(item, (i) => void (i.tagIds = on ? [...i.tagIds, tagId] : i.tagIds.filter((t) => t !== tagId)));
    }
  });
}

/** Hard-deletes items (folders with their contents; tags are removed from items too). */
export function deleteItems(mbox: Mailbox, ids: number[]): void {
  const items = ids.map((id) => getItem(mbox, id));
  mbox.transaction((txn) => {
    for (const item of items) deleteOne(mbox, txn, item);
  });
}

function deleteOne(mbox: Mailbox, txn: Txn, item: MailItem): void {
  if (!mbox.get(item.id)) return;
  if (item.type === 'folder') {
    if (item.id < 256) throw faults.permDenied('cannot delete a system folder');
    for (const sub of mbox.subfolders(item.id)) deleteOne(mbox, txn, sub);
    emptyFolderIn(mbox, txn, item.id);
  } else if (item.type === 'tag') {
    for (const other of mbox.items.values()) {
      if (other.tagIds.includes(item.id))
        txn.modify(other, (o) => void (o.tagIds = o.tagIds.filter((t) => t !== item.id)));
    }
  } else if (item.type === 'conversation') {
    for (const mid of [...(mbox.convMembers.get(item.id) ?? [])]) {
      const m = mbox.get(mid);
      if (m) removeItemIn(mbox, txn, m);
    }
    return;
  }
  removeItemIn(mbox, txn, item);
}

/** Contact fields plus optional parts (image, attachments). */
export interface ContactInput {
  fields: Record<string, string>;
  parts?: ContactPart[] | undefined;
  members?: ContactMember[] | undefined;
  folder?: FolderRef | undefined;
  tagNames?: string[] | undefined;
}

function contactSize(fields: Record<string, string>, parts: ContactPart[]): number {
  let n = 0;
  for (const [k, v] of Object.entries(fields)) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  for (const p of parts) n += p.bytes.length;
  return n;
}

/** Creates a contact. */
export function createContact(mbox: Mailbox, input: ContactInput): MailItem {
  const folder = resolveFolder(mbox, input.folder ?? FOLDER.CONTACTS);
  const parts = input.parts ?? [];
  return mbox.transaction((txn) =>
    txn.create({
      type: 'contact',
      folderId: folder.id,
      fields: { ...input.fields },
      parts,
      members: input.members?.length ? input.members.map((m) => ({ ...m })) : undefined,
      tagIds: tagIdsFor(mbox, txn, input.tagNames ?? []),
      size: contactSize(input.fields, parts),
    }),
  );
}

/** Modifies a contact's fields (merge, or replace all when `replace`); an empty value removes a field. */
export function modifyContact(
  mbox: Mailbox,
  id: number,
  fields: Record<string, string>,
  replace = false,
  parts?: ContactPart[],
): MailItem {
  const item = mbox.get(id);
  if (!item || item.type !== 'contact') throw faults.noSuchContact(id);
  mbox.transaction((txn) =>
    txn.modify(
      item,
      (c) => {
        const next = replace ? {} : { ...(c.fields ?? {}) };
        for (const [k, v] of Object.entries(fields)) {
          if (v === '') delete (next as Record<string, string>)[k];
          else (next as Record<string, string>)[k] = v;
        }
        c.fields = next;
        if (parts) c.parts = parts;
        c.size = contactSize(next, c.parts ?? []);
      },
      true,
    ),
  );
  return item;
}

/** The UID of an iCalendar object (first VEVENT/VTODO UID line, unfolded). */
export function icsUid(ics: string): string | undefined {
  const m = /^UID:(.*(?:\r?\n[ \t].*)*)/m.exec(ics);
  return m?.[1]?.replace(/\r?\n[ \t]/g, '').trim();
}

/** Creates an appointment or task from iCalendar text, or replaces the content of the one with the same UID. */
export function setCalendarItem(
  mbox: Mailbox,
  ics: string,
  kind: 'appointment' | 'task',
  opts: { folder?: FolderRef; flags?: string; tagNames?: string[] } = {},
): MailItem {
  const uid = icsUid(ics);
  if (!uid) throw faults.invalidRequest('iCalendar object has no UID');
  const folder = resolveFolder(mbox, opts.folder ?? (kind === 'task' ? FOLDER.TASKS : FOLDER.CALENDAR));
  const blob = Buffer.from(ics, 'utf8');
  let existing: MailItem | undefined;
  for (const id of mbox.folderContents(folder.id).ids) {
    const it = mbox.get(id);
    if (it && it.type === kind && it.uid === uid) existing = it;
  }
  const dtstart = /^DTSTART[^:\r\n]*:(\d{8}(?:T\d{6}Z?)?)/m.exec(ics)?.[1];
  const date = dtstart ? icsDate(dtstart) : Date.now();
  return mbox.transaction((txn) => {
    const tagIds = tagIdsFor(mbox, txn, opts.tagNames ?? []);
    const content = {
      blob,
      digest: sha256Hex(blob),
      size: blob.length,
      date,
      subject: /^SUMMARY[^:\r\n]*:(.*)$/m.exec(ics)?.[1]?.trim(),
    };
    if (existing) {
      const it = existing;
      txn.modify(
        it,
        (i) => Object.assign(i, content, { folderId: folder.id, tagIds: opts.tagNames ? tagIds : i.tagIds }),
        true,
      );
      return it;
    }
    return txn.create({
      type: kind as ItemType,
      folderId: folder.id,
      uid,
      flags: normalizeFlags(opts.flags ?? ''),
      tagIds,
      ...content,
    });
  });
}

function icsDate(v: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2}))?/.exec(v);
  if (!m) return Date.now();
  return Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  );
}

/** Creates a document (Briefcase file); a new revision replaces the content of a same-name document. */
export function saveDocument(
  mbox: Mailbox,
  name: string,
  bytes: Buffer,
  contentType: string,
  folderRef: FolderRef = FOLDER.BRIEFCASE,
): MailItem {
  const folder = resolveFolder(mbox, folderRef);
  let existing: MailItem | undefined;
  for (const id of mbox.folderContents(folder.id).ids) {
    const it = mbox.get(id);
    if (it && it.type === 'document' && (it.name ?? '').toLowerCase() === name.toLowerCase()) existing = it;
  }
  const content = { blob: bytes, digest: sha256Hex(bytes), size: bytes.length, contentType, name };
  return mbox.transaction((txn) => {
    if (existing) {
      const it = existing;
      txn.modify(it, (i) => Object.assign(i, content), true);
      return it;
    }
    return txn.create({ type: 'document', folderId: folder.id, ...content });
  });
}
