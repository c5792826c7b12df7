/**
 * `fmt=tgz` / `fmt=tar` export (ArchiveFormatter.java `formatCallback` / `saveItem`, TarFormatter,
 * TgzFormatter; PROTOCOL.md 4b), streamed entry by entry with backpressure:
 *
 * ```text
 * items: list=<ids>  -> those ids in order; the first id that does not resolve ends the archive
 *                       (saveItem on a null item throws; the loop's catch only logs it)
 *        /<folder>/  -> the folder's own .meta, then the items under it
 *        otherwise   -> without types/query/start/end: folders sorted by path (.meta only), then
 *                       messages, contacts, documents, appointments, tasks, chats, notes
 * per item: '<name>.meta' (ItemData JSON; meta=0: no such entry) BEFORE '<name>' (the blob, exactly
 *   `size` bytes: a shorter blob is padded with spaces and followed by an empty '<name>.err')
 * nothing at all -> 204 No Content (unless `emptyname` is given)
 * ```
 * Names and JSON: archive-names.ts; the tar framing (GNU long names): tar-writer.ts.
 * @module
 */
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { AccountEntry } from '../model/directory.js';
import { FOLDER, TYPE_NUMBER, type ItemType, type MailItem } from '../model/item.js';
import type { Mailbox } from '../model/mailbox.js';
import { fileAsString } from '../handlers/encode-items.js';
import { ArchiveNames, itemDataJson } from './archive-names.js';
import { textReply, type HttpReply } from './reply.js';
import { tarEnd, tarEntry } from './tar-writer.js';
import { vcard } from './vcard.js';

/** ArchiveFormatter's default search types (conversations are never exported, bug 67407). */
const SEARCH_TYPES: ItemType[] = ['message', 'contact', 'document', 'appointment', 'task', 'chat', 'note'];
/** `MailItem.Type.of`: the upper-cased enum names the emulator knows, plus the `briefcase` synonym. */
const TYPE_NAMES: Record<string, ItemType | 'other'> = {
  message: 'message',
  contact: 'contact',
  document: 'document',
  briefcase: 'document',
  appointment: 'appointment',
  task: 'task',
  chat: 'chat',
  note: 'note',
  folder: 'folder',
  tag: 'tag',
  conversation: 'conversation',
  wiki: 'other',
  searchfolder: 'other',
  mountpoint: 'other',
  flag: 'other',
  virtual_conversation: 'other',
  comment: 'other',
  link: 'other',
  smartfolder: 'other',
};

/** Zimbra's blob digest from our hex SHA-256: base64 with `/` replaced by `,` (`ByteUtil.encodeFSSafeBase64`). */
export function zimbraDigestOfHex(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64').replace(/\//g, ',');
}

interface Options {
  meta: boolean;
  body: boolean;
}

/** The entries `saveItem` writes for one item (none for items it skips). */
function* saveItem(mbox: Mailbox, names: ArchiveNames, item: MailItem, o: Options): Generator<Buffer> {
  if (item.type === 'conversation') return;
  let ext: string | undefined;
  let name: string | undefined;
  switch (item.type) {
    case 'appointment':
      if (o.meta) name = item.subject;
      ext = o.meta ? 'appt' : 'ics';
      break;
    case 'chat':
      ext = 'chat';
      break;
    case 'contact':
      name = fileAsString(item);
      if (!o.meta) ext = 'vcf';
      break;
    case 'folder':
      name = item.id === FOLDER.ROOT ? 'ROOT' : item.id === FOLDER.USER_ROOT ? 'USER_ROOT' : item.name;
      break;
    case 'message':
      ext = 'eml';
      break;
    case 'note':
      ext = 'note';
      break;
    case 'task':
      ext = 'task';
      break;
    default:
      break;
  }
  const dir = names.folderDir(item.folderId, item.type === 'folder');
  const path =
    item.type === 'contact'
      ? names.uniqueName(dir, name ?? '', ext)
      : names.entryName(item, dir, name, ext, item.type !== 'document');
  const blob = item.type === 'folder' || item.type === 'tag' || item.type === 'note' ? undefined : item.blob;
  // "blob db size 0" and "missing blob for item": the item is skipped before any entry is written
  if (item.size === 0 && item.digest !== undefined) return;
  if (item.digest !== undefined && blob === undefined && item.type !== 'folder' && item.type !== 'note') return;
  const header = { mtimeSec: Math.floor(item.date / 1000), gname: item.type, devmajor: TYPE_NUMBER[item.type] };
  // TarArchiveOutputEntry.setUnread clears the owner-write bit of an unread message's entries
  const mode = item.type === 'message' && item.flags.includes('u') ? 0o100444 : 0o100644;
  let data: Buffer | undefined;
  if (o.meta) {
    const digest = blob !== undefined && item.digest !== undefined ? zimbraDigestOfHex(item.digest) : undefined;
    const json = Buffer.from(itemDataJson(mbox, item, digest), 'utf8');
    yield* tarEntry({ ...header, mode, name: `${path}.meta`, size: json.length }, json);
  } else if (item.type === 'appointment' || item.type === 'task') {
    data = blob ?? Buffer.alloc(0);
  } else if (item.type === 'contact') {
    data = Buffer.from(vcard(item), 'utf8');
  }
  if (data !== undefined) {
    yield* tarEntry({ ...header, mode, name: path, size: data.length }, data);
  } else if (blob !== undefined) {
    if (!o.body) {
      const end = headerEnd(blob);
      yield* tarEntry({ ...header, mode, name: path, size: end }, blob.subarray(0, end));
      return;
    }
    const bytes =
      blob.length >= item.size
        ? blob.subarray(0, item.size)
        : Buffer.concat([blob, Buffer.alloc(item.size - blob.length, 0x20)]);
    yield* tarEntry({ ...header, mode, name: path, size: item.size }, bytes);
    if (blob.length !== item.size) yield* tarEntry({ ...header, mode, name: `${path}.err`, size: 0 }, Buffer.alloc(0));
  }
}

/** HeadersOnlyInputStream: the bytes up to and including the blank line after the headers. */
function headerEnd(blob: Buffer): number {
  const crlf = blob.indexOf('\r\n\r\n');
  const lf = blob.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 4;
  return lf >= 0 ? lf + 2 : blob.length;
}

function* archive(mbox: Mailbox, items: Iterable<MailItem | undefined>, o: Options): Generator<Buffer> {
  const names = new ArchiveNames(mbox);
  let written = 0;
  for (const item of items) {
    if (item === undefined) break; // a list id that did not resolve: the rest is never written
    // A small item's entries go out as one buffer: one stream write instead of four or five
    const chunks = [...saveItem(mbox, names, item, o)];
    const size = chunks.reduce((n, c) => n + c.length, 0);
    written += size;
    if (size > 0 && size <= 256 * 1024) yield Buffer.concat(chunks, size);
    else yield* chunks;
  }
  yield tarEnd(written);
}

/** Streams the export of an account (optionally one folder subtree). */
export function tgzExport(acct: AccountEntry, url: URL, folderPath: string, gzip: boolean): HttpReply {
  const mbox = acct.mailbox;
  const q = url.searchParams;
  const typesParam = q.get('types');
  let types: ItemType[] = SEARCH_TYPES;
  if (typesParam !== null && typesParam !== '') {
    const parsed: Array<ItemType | 'other'> = [];
    for (const t of typesParam.split(',')) {
      const type = TYPE_NAMES[t.trim().toLowerCase()];
      // MailItem.Type.setOf throws; ArchiveFormatter turns it into mail.INVALID_TYPE (a ServletException: 500)
      if (type === undefined) return textReply(500, `invalid item type: ${t.trim()}`);
      parsed.push(type);
    }
    types = parsed.filter((t): t is ItemType => t !== 'other' && t !== 'conversation');
  }
  const start = Number(q.get('start') ?? NaN);
  const end = Number(q.get('end') ?? NaN);
  const query = q.get('query');
  const o: Options = { meta: q.get('meta') === null || q.get('meta') !== '0', body: q.get('body') !== '0' };
  const root = folderPath ? mbox.folderByPath(folderPath) : undefined;
  if (folderPath && !root) {
    const body = Buffer.from(`no such folder: ${folderPath}`);
    return { status: 404, headers: { 'Content-Type': 'text/plain', 'Content-Length': body.length }, body };
  }
  const list = q.get('list');
  let items: Iterable<MailItem | undefined>;
  if (list !== null && list !== '') {
    items = list.split(',').map((id) => (/^\d+$/.test(id.trim()) ? mbox.get(Number(id.trim())) : undefined));
  } else {
    const subtree = root !== undefined && root.id !== FOLDER.USER_ROOT ? mbox.folderPath(root.id) : undefined;
    const inRange = (it: MailItem): boolean =>
      (Number.isNaN(start) || it.date >= start) && (Number.isNaN(end) || it.date < end);
    const matches = (it: MailItem): boolean => {
      if (!types.includes(it.type) || !inRange(it)) return false;
      if (subtree === undefined) return true;
      const p = mbox.folderPath(it.folderId);
      return p === subtree || p.startsWith(subtree + '/');
    };
    const plain = subtree === undefined && (query ?? '') === '' && Number.isNaN(start) && Number.isNaN(end);
    items = (function* (): Generator<MailItem> {
      if (plain && (typesParam === null || typesParam === '')) {
        // ArchiveFormatter's "system types" pass: folders sorted by path (search folders and mountpoints too)
        const folders = [...mbox.folderIds].map((id) => mbox.get(id)).filter((f): f is MailItem => f !== undefined);
        const key = (f: MailItem): string => mbox.folderPath(f.id);
        yield* folders.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      }
      let first = true;
      for (const id of [...mbox.items.keys()].sort((a, b) => a - b)) {
        const it = mbox.get(id);
        if (!it || !matches(it)) continue;
        if (first && subtree !== undefined && root) yield root; // the target folder's own entry
        first = false;
        yield it;
      }
    })();
  }
  const chunks = archive(mbox, items, o);
  // The first chunk tells whether anything is written (ArchiveFormatter opens its stream lazily).
  const firstEntry = chunks.next();
  const emptyname = q.get('emptyname');
  const onlyEnd = firstEntry.done === true || isEnd(firstEntry.value);
  if (onlyEnd && (emptyname === null || emptyname === '')) return { status: 204, headers: {}, body: Buffer.alloc(0) };
  const ext = gzip ? 'tgz' : 'tar';
  const filename = onlyEnd ? withExt(emptyname!, ext) : withExt(q.get('filename') || defaultName(acct), ext);
  const body = Readable.from(
    (function* (): Generator<Buffer> {
      if (!firstEntry.done) yield firstEntry.value;
      yield* chunks;
    })(),
    { objectMode: false },
  );
  return {
    status: 200,
    headers: {
      'Content-Type': gzip ? 'application/x-compressed-tar' : 'application/x-tar',
      'Content-Disposition': `attachment; filename="${filename.replace(/["\\]/g, '_')}"`,
    },
    body: gzip ? body.pipe(createGzip()) : body,
  };
}

/** True for the archive's end blocks (all zero, a multiple of 512). */
function isEnd(chunk: Buffer): boolean {
  return chunk.length >= 1024 && chunk.every((b) => b === 0);
}

/** `<accountId>.<M-d-yy>.<H-m-s>`: ArchiveFormatter's default file name (US short date). */
function defaultName(acct: AccountEntry): string {
  const d = new Date();
  return `${acct.id}.${d.getMonth() + 1}-${d.getDate()}-${String(d.getFullYear() % 100).padStart(2, '0')}.${d.getHours()}-${d.getMinutes()}-${d.getSeconds()}`;
}

function withExt(name: string, ext: string): string {
  return name.endsWith(`.${ext}`) ? name : `${name}.${ext}`;
}
