/**
 * Folder and tag operations shared by the SOAP handlers and the emulator's mutation API.
 * Failures are Zimbra faults (`mail.NO_SUCH_FOLDER`, `mail.ALREADY_EXISTS`, `mail.INVALID_NAME`).
 */
import { faults } from '../wire/soap-fault.js';
import { FIRST_USER_ID, FOLDER, type MailItem } from './item.js';
import type { Mailbox, Txn } from './mailbox.js';

/** A folder given as an id (number or numeric string) or an absolute path. */
export type FolderRef = number | string;

/** Resolves a folder reference or raises `mail.NO_SUCH_FOLDER`. */
export function resolveFolder(mbox: Mailbox, ref: FolderRef): MailItem {
  if (typeof ref === 'number' || /^-?\d+$/.test(ref)) {
    const id = Number(ref);
    const f = mbox.get(id);
    if (!f || f.type !== 'folder') throw faults.noSuchFolder(id);
    return f;
  }
  const f = mbox.folderByPath(ref);
  if (!f) throw faults.noSuchFolderPath(ref);
  return f;
}

function checkName(name: string): void {
  // Zimbra MailItem.validateItemName: no control characters, no '/', at most 128 chars
  if (name === '' || name.length > 128 || /[\x00-\x1f/":]/.test(name) || name.trim() !== name)
    throw faults.invalidName(name);
}

/** Options of {@link createFolder}. */
export interface CreateFolderOptions {
  view?: string | undefined;
  color?: number | undefined;
  flags?: string | undefined;
  /** Return the existing folder instead of raising `mail.ALREADY_EXISTS` (`fie="1"`). */
  fetchIfExists?: boolean | undefined;
}

/** Creates one folder under `parentId`. */
export function createFolder(mbox: Mailbox, parentId: number, name: string, opts: CreateFolderOptions = {}): MailItem {
  const parent = resolveFolder(mbox, parentId);
  checkName(name);
  const existing = mbox.subfolders(parent.id).find((f) => (f.name ?? '').toLowerCase() === name.toLowerCase());
  if (existing) {
    if (opts.fetchIfExists) return existing;
    throw faults.alreadyExists(name);
  }
  return mbox.transaction((txn) =>
    txn.create({
      type: 'folder',
      folderId: parent.id,
      name,
      view: opts.view ?? parent.view,
      color: opts.color,
      flags: opts.flags ?? '',
    }),
  );
}

/** Creates a folder by absolute path, creating missing parents; an existing folder is returned. */
export function createFolderPath(mbox: Mailbox, path: string, view?: string): MailItem {
  let cur = resolveFolder(mbox, FOLDER.USER_ROOT);
  for (const part of path.split('/').filter((p) => p !== '')) {
    cur = createFolder(mbox, cur.id, part, { view, fetchIfExists: true });
  }
  return cur;
}

function assertUserFolder(folder: MailItem): void {
  if (folder.id < FIRST_USER_ID) throw faults.permDenied(`cannot modify system folder ${folder.id}`);
}

/** Renames a folder. */
export function renameFolder(mbox: Mailbox, ref: FolderRef, name: string): void {
  const folder = resolveFolder(mbox, ref);
  assertUserFolder(folder);
  checkName(name);
  if (
    mbox
      .subfolders(folder.folderId)
      .some((f) => f.id !== folder.id && (f.name ?? '').toLowerCase() === name.toLowerCase())
  )
    throw faults.alreadyExists(name);
  mbox.transaction((txn) => txn.modify(folder, (f) => void (f.name = name)));
}

/** Moves a folder under another folder. */
export function moveFolder(mbox: Mailbox, ref: FolderRef, to: FolderRef): void {
  const folder = resolveFolder(mbox, ref);
  const target = resolveFolder(mbox, to);
  assertUserFolder(folder);
  for (let cur: MailItem | undefined = target; cur && cur.id !== FOLDER.ROOT; cur = mbox.get(cur.folderId)) {
    if (cur.id === folder.id) throw faults.invalidRequest('cannot move a folder into itself');
  }
  if (mbox.subfolders(target.id).some((f) => (f.name ?? '').toLowerCase() === (folder.name ?? '').toLowerCase()))
    throw faults.alreadyExists(folder.name ?? '');
  mbox.transaction((txn) => txn.modify(folder, (f) => void (f.folderId = target.id)));
}

/** Deletes a folder, its subfolders and everything in them, in one change. */
export function deleteFolder(mbox: Mailbox, ref: FolderRef): void {
  const folder = resolveFolder(mbox, ref);
  assertUserFolder(folder);
  mbox.transaction((txn) => deleteFolderIn(mbox, txn, folder));
}

/** Deletes a folder tree inside a running transaction. */
export function deleteFolderIn(mbox: Mailbox, txn: Txn, folder: MailItem): void {
  for (const sub of mbox.subfolders(folder.id)) deleteFolderIn(mbox, txn, sub);
  emptyFolderIn(mbox, txn, folder.id);
  txn.remove(folder);
}

/** Deletes the items directly in a folder inside a running transaction. */
export function emptyFolderIn(mbox: Mailbox, txn: Txn, folderId: number): void {
  for (const id of [...mbox.folderContents(folderId).ids]) {
    const item = mbox.get(id);
    if (item) removeItemIn(mbox, txn, item);
  }
}

/** Removes an item and, for messages, drops an emptied conversation. */
export function removeItemIn(mbox: Mailbox, txn: Txn, item: MailItem): void {
  txn.remove(item);
  if (item.type === 'message' && item.convId !== undefined) {
    const conv = mbox.get(item.convId);
    const members = mbox.convMembers.get(item.convId);
    members?.delete(item.id);
    if (!conv) return;
    if (members && members.size > 0) txn.modify(conv, () => undefined);
    else {
      mbox.convMembers.delete(item.convId);
      txn.remove(conv);
    }
  }
}

/** Creates a tag (`mail.ALREADY_EXISTS` when the name is taken). */
export function createTag(mbox: Mailbox, name: string, color?: number): MailItem {
  checkName(name);
  if (mbox.tagByName(name)) throw faults.alreadyExists(name);
  return mbox.transaction((txn) => txn.create({ type: 'tag', folderId: FOLDER.TAGS, name, color }));
}

/** Tag ids for names, creating missing tags inside the running transaction (as `tn` on AddMsg does). */
export function tagIdsFor(mbox: Mailbox, txn: Txn, names: string[]): number[] {
  const ids: number[] = [];
  for (const raw of names) {
    const name = raw.trim();
    if (name === '') continue;
    const tag = mbox.tagByName(name) ?? txn.create({ type: 'tag', folderId: FOLDER.TAGS, name });
    if (!ids.includes(tag.id)) ids.push(tag.id);
  }
  return ids;
}

/** Tag names of an item, comma-joined (`tn`). */
export function tagNames(mbox: Mailbox, item: MailItem): string {
  return encodeTags(item.tagIds.map((id) => mbox.get(id)?.name ?? '').filter((n) => n !== ''));
}

/** TagUtil.encodeTags (store/.../mailbox/util/TagUtil.java): `\` -> `\\`, `,` -> `\,`, joined by `,`. */
export function encodeTags(names: readonly string[]): string {
  return names.map((n) => n.replace(/\\/g, '\\\\').replace(/,/g, '\\,')).join(',');
}

/** TagUtil.decodeTags: split on unescaped `,`, unescape, trim, drop empty names. */
export function decodeTags(encoded: string): string[] {
  const out: string[] = [];
  let cur = '';
  let escaped = false;
  for (const c of encoded) {
    if (escaped) {
      cur += c;
      escaped = false;
    } else if (c === '\\') escaped = true;
    else if (c === ',') {
      if (cur.trim() !== '') out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}
