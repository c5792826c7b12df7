/**
 * `fmt=tgz` / `fmt=tar` whole-mailbox export in `ArchiveFormatter`'s layout (PROTOCOL.md 4b):
 * `<Folder/Path>/<0000000257>-<subject>.eml` followed by `….eml.meta` holding the `ItemData`
 * JSON, with `blob_digest` as Zimbra's FS-safe base64 SHA-256. Options: `types`, `start`/`end`
 * (ms), `meta=0`, `body=0`. Streams the archive entry by entry with backpressure.
 */
import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import type { AccountEntry } from '../model/directory.js';
import { TYPE_NUMBER, type ItemType, type MailItem } from '../model/item.js';
import { tagNames } from '../model/folder-ops.js';
import type { HttpReply } from './reply.js';
import { vcard } from './vcard.js';

const EXT: Partial<Record<ItemType, string>> = { message: 'eml', contact: 'vcf', appointment: 'ics', task: 'task' };
const TYPE_PARAM: Record<string, ItemType> = {
  message: 'message',
  contact: 'contact',
  appointment: 'appointment',
  task: 'task',
  document: 'document',
};
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

/** Zimbra's blob digest: SHA-256, base64 with `/` replaced by `,` (`ByteUtil.encodeFSSafeBase64`). */
export function zimbraDigest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64').replace(/\//g, ',');
}

function sanitize(s: string): string {
  return s.replace(/[\x00-\x1f/\\:*?"<>|]/g, '_').slice(0, 120);
}

function metaJson(acct: AccountEntry, item: MailItem, path: string, bytes: Buffer): string {
  let flags = 0;
  for (const c of item.flags) flags |= FLAG_BITS[c] ?? 0;
  return JSON.stringify({
    Ver: 10,
    id: item.id,
    uuid: item.uuid,
    type: TYPE_NUMBER[item.type],
    parent_id: item.type === 'message' ? (item.convId ?? -item.id) : -1,
    folder_id: item.folderId,
    index_id: item.id,
    imap_id: item.id,
    date: Math.floor(item.date / 1000),
    size: item.size,
    volume_id: 1,
    blob_digest: zimbraDigest(bytes),
    unread: item.flags.includes('u') ? 1 : 0,
    flags,
    tags: tagNames(acct.mailbox, item),
    subject: item.subject ?? '',
    name: item.name ?? '',
    metadata: '',
    mod_metadata: item.modifiedSequence,
    change_date: Math.floor(item.changeDate / 1000),
    mod_content: item.savedSequence,
    sender: item.sender ?? '',
    FlagStr: item.flags,
    Path: path,
  });
}

/** Streams the export of an account (optionally one folder subtree). */
export function tgzExport(acct: AccountEntry, url: URL, folderPath: string, gzip: boolean): HttpReply {
  const mbox = acct.mailbox;
  const types = url.searchParams
    .get('types')
    ?.split(',')
    .map((t) => TYPE_PARAM[t.trim()])
    .filter((t): t is ItemType => t !== undefined);
  const start = Number(url.searchParams.get('start') ?? NaN);
  const end = Number(url.searchParams.get('end') ?? NaN);
  const withMeta = url.searchParams.get('meta') !== '0';
  const withBody = url.searchParams.get('body') !== '0';
  const root = folderPath ? mbox.folderByPath(folderPath) : undefined;
  if (folderPath && !root) {
    const body = Buffer.from(`no such folder: ${folderPath}`);
    return { status: 404, headers: { 'Content-Type': 'text/plain', 'Content-Length': body.length }, body };
  }
  const prefix = root ? mbox.folderPath(root.id) : '/';
  const ids = [...mbox.items.keys()].sort((a, b) => a - b);
  const pack = tarPack();
  const pending: Array<Promise<void>> = [];
  async function* entries(): AsyncGenerator<void> {
    for (const id of ids) {
      const item = mbox.get(id);
      if (!item || item.type === 'folder' || item.type === 'tag' || item.type === 'conversation') continue;
      if (types && !types.includes(item.type)) continue;
      if (!Number.isNaN(start) && item.date < start) continue;
      if (!Number.isNaN(end) && item.date >= end) continue;
      const path = mbox.folderPath(item.folderId);
      if (prefix !== '/' && path !== prefix && !path.startsWith(prefix + '/')) continue;
      const bytes = item.type === 'contact' ? Buffer.from(vcard(item), 'utf8') : (item.blob ?? Buffer.alloc(0));
      const label =
        item.type === 'document'
          ? (item.name ?? String(item.id))
          : `${String(item.id).padStart(10, '0')}-${sanitize(item.subject ?? item.name ?? '')}.${EXT[item.type] ?? 'bin'}`;
      const name = `${path.replace(/^\//, '')}${path === '/' ? '' : '/'}${item.type === 'document' ? sanitize(label) : label}`;
      const mtime = new Date(item.date);
      const written: Array<Promise<void>> = [];
      const add = (header: { name: string; size: number; mtime: Date }, data: Buffer): void =>
        void written.push(new Promise<void>((res, rej) => pack.entry(header, data, (err) => (err ? rej(err) : res()))));
      if (withBody) add({ name, size: bytes.length, mtime }, bytes);
      if (withMeta) {
        const meta = Buffer.from(metaJson(acct, item, path, bytes), 'utf8');
        add({ name: `${name}.meta`, size: meta.length, mtime }, meta);
      }
      // wait for the entries only now and then: one await per entry costs a scheduler round-trip each
      pending.push(...written);
      if (pending.length >= 64) await Promise.all(pending.splice(0));
      yield;
    }
  }
  const out = new PassThrough();
  (async () => {
    for await (const _ of entries()) {
      // backpressure: wait while the consumer is behind
      if (out.writableNeedDrain) await new Promise((res) => out.once('drain', res));
    }
    await Promise.all(pending.splice(0));
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  const stream = (gzip ? pack.pipe(createGzip()) : pack) as unknown as Readable;
  stream.pipe(out);
  const filename = `${acct.name.replace(/[^A-Za-z0-9@._-]/g, '_')}.${gzip ? 'tgz' : 'tar'}`;
  return {
    status: 200,
    headers: {
      'Content-Type': gzip ? 'application/x-compressed' : 'application/x-tar',
      'Content-Disposition': `attachment; filename="${filename}"`,
    },
    body: out,
  };
}
