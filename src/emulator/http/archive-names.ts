/**
 * Entry names and `.meta` JSON of Zimbra's archive formatters (ArchiveFormatter.java `saveItem`,
 * both `getEntryName` overloads; ItemData.java `toJSON`), reproduced rule by rule:
 *
 * ```text
 * folder part: item's folder path without the leading '/', [:*?"<>|\0] -> '_'; from the 500th item
 *   of one folder on, '!' + floor(count / 500) is appended (ArchiveFormatter's BATCH)
 * name (id-prefixed kinds): name || subject -> '<id padded to 10>-<name>'; empty -> '<type>-<id>';
 *   longer than 121 chars -> first 120; [/:*?"<>|\0] -> '_'; trimmed; trailing dots dropped
 * contacts: the file-as string as it is, made unique per archive with '-NN' (no id prefix)
 * documents: their name without id prefix
 * ```
 * @module
 */
import type { Mailbox } from '../model/mailbox.js';
import { TYPE_NUMBER, type ItemType, type MailItem } from '../model/item.js';

const ILLEGAL_FILE_CHARS = /[/:*?"<>|\0]/g;
const ILLEGAL_FOLDER_CHARS = /[:*?"<>|\0]/g;
const BATCH = 500;

// Flag bit = 1 << (-flagId - 1) (`Flag.java` ids: FROM_ME -1 … UNREAD -10 …)
const FLAG_BITS: Record<string, number> = {
  s: 1,
  a: 2,
  r: 4,
  w: 8,
  f: 32,
  d: 64,
  x: 128,
  n: 256,
  u: 512,
  '!': 1024,
  '?': 2048,
  '/': 4096,
  p: 16384,
  t: 32768,
};

/** Java's `String.trim()`: strips every char up to U+0020 at both ends. */
function javaTrim(s: string): string {
  return s.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '');
}

/** `MailItem.getName()`: the name without trailing spaces, `""` when unset. */
function itemName(item: MailItem): string {
  return (item.name ?? '').replace(/ +$/, '');
}

/** `MailItem.getPath()`: folder path + '/' + name (a message: `/Inbox/`). */
export function itemPath(mbox: Mailbox, item: MailItem): string {
  const folder = item.type === 'folder' ? undefined : mbox.folderPath(item.folderId);
  if (folder === undefined) return mbox.folderPath(item.id);
  return folder + (folder.endsWith('/') ? '' : '/') + itemName(item);
}

/** Names of one archive: folder directories with their batch counters, and the contact names used. */
export class ArchiveNames {
  readonly #folders = new Map<number, string>();
  readonly #counts = new Map<number, number>();
  readonly #used = new Set<string>();

  constructor(private readonly mbox: Mailbox) {}

  /** The directory part for an item in folder `fid`, counting it (ArchiveFormatter's `fldrs`/`cnts`). */
  folderDir(fid: number, isFolder: boolean): string {
    let dir = this.#folders.get(fid);
    if (dir === undefined) {
      this.#counts.set(fid, 1);
      dir = this.mbox.folderPath(fid).replace(/^\//, '').replace(ILLEGAL_FOLDER_CHARS, '_');
      this.#folders.set(fid, dir);
      return dir;
    }
    if (isFolder) return dir;
    const cnt = (this.#counts.get(fid) ?? 0) + 1;
    this.#counts.set(fid, cnt);
    const batch = Math.floor(cnt / BATCH);
    return batch > 0 ? `${dir}!${batch}` : dir;
  }

  /** `getEntryName(mi, fldr, name, ext, encoder, prefix)`. */
  entryName(item: MailItem, dir: string, name: string | undefined, ext: string | undefined, prefix: boolean): string {
    let n = name || itemName(item) || (item.subject ?? '');
    if (prefix && n) n = `${String(item.id).padStart(10, '0')}-${n}`;
    if (!n) n = `${item.type}-${item.id}`;
    else if (n.length > 121) n = n.substring(0, 120);
    n = javaTrim(n.replace(ILLEGAL_FILE_CHARS, '_'));
    while (n.endsWith('.')) n = javaTrim(n.slice(0, -1));
    const path = dir === '' ? n : `${dir}/${n}`;
    return ext === undefined ? path : `${path}.${ext}`;
  }

  /** The unique-name overload (contacts): `name` unsanitised, `-NN` until unused (case-insensitive). */
  uniqueName(dir: string, name: string, ext: string | undefined): string {
    for (let counter = 0; ; counter++) {
      let path = dir === '' ? name : `${dir}/${name}`;
      if (counter > 0) path += `-${String(counter).padStart(2, '0')}`;
      if (ext !== undefined) path += `.${ext}`;
      if (!this.#used.has(path.toLowerCase())) {
        this.#used.add(path.toLowerCase());
        return path;
      }
    }
  }
}

/** ItemData.getTagString: tag names joined by `:`, `\` and `:` escaped. */
function tagString(mbox: Mailbox, item: MailItem): string {
  return item.tagIds
    .map((id) => mbox.get(id)?.name ?? '')
    .filter((n) => n !== '')
    .map((n) => n.replace(/\\/g, '\\\\').replace(/:/g, '\\:'))
    .join(':');
}

/** ItemData.toJSON of an item (`blob_digest` only when the item has a blob: `putOpt`). */
export function itemDataJson(mbox: Mailbox, item: MailItem, digest: string | undefined): string {
  let flags = 0;
  for (const c of item.flags) flags |= FLAG_BITS[c] ?? 0;
  const type: ItemType = item.type;
  return JSON.stringify({
    id: item.id,
    uuid: item.uuid,
    type: TYPE_NUMBER[type],
    parent_id: item.type === 'message' ? (item.convId ?? -item.id) : item.type === 'folder' ? item.folderId : -1,
    folder_id: item.folderId,
    index_id: 0,
    imap_id: item.id,
    date: Math.floor(item.date / 1000),
    size: item.size,
    volume_id: 0,
    ...(digest !== undefined ? { blob_digest: digest } : {}),
    unread: item.flags.includes('u') ? 1 : 0,
    flags,
    subject: item.subject ?? '',
    name: itemName(item),
    metadata: '',
    mod_metadata: item.modifiedSequence,
    change_date: Math.floor(item.changeDate / 1000),
    mod_content: item.savedSequence,
    sender: item.sender ?? '',
    FlagStr: item.flags,
    Path: itemPath(mbox, item),
    TagNames: tagString(mbox, item),
    Ver: 10,
  });
}
