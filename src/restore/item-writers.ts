/**
 * Writes one journal item version into the target mailbox: messages through the upload servlet
 * and AddMsg, contacts with CreateContact, appointments/tasks with SetAppointment/SetTask from
 * the stored iCalendar blob (UID kept), documents with SaveDocument, notes with CreateNote
 * (note-writer.ts).
 *
 * Content is streamed from the blob store, which verifies the digest at the end of the stream.
 * The upload is sent chunked (no Content-Length), so a body that fails verification never
 * completes on the server; and the item is only created once the stream ended cleanly. A corrupt
 * blob therefore fails the item with `ZB_DIGEST_MISMATCH` and nothing is written.
 * @module
 */
import { Readable } from 'node:stream';
import { ZimbraBackupError } from '../errors.js';
import type { ItemRecord } from '../journal/types.js';
import { uploadFile } from '../rest/upload-file.js';
import type { AccountSelector } from '../soap/transports/transport.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import type { BlobStore } from '../store/blob-store.js';
import { parseDigest } from '../store/digest.js';
import { splitCalendar } from './calendar-split.js';
import { contentTypeOf } from './content-keys.js';
import { SaveDocument, SetTask } from '../soap/requests/save-document.js';
import { SetAppointment } from '../soap/requests/set-appointment.js';
import type { TargetMailbox } from './target-mailbox.js';
import { writeNote, type NoteSupport } from './note-writer.js';

/** What writing one item needs. */
export interface ItemWriteContext {
  /** Admin-authenticated client of the target server. */
  client: ZimbraClient;
  /** Target mailbox. */
  account: string | AccountSelector;
  /** Source of item content (verified while streaming). */
  blobs: BlobStore;
  /** The target's folders, tags and existing content. */
  target: TargetMailbox;
  /** Aborts the write. */
  signal?: AbortSignal;
  /** The restored id of a source contact, for contact-group members (`undefined`: not restored here). */
  contactIdOf?: (sourceId: string) => string | undefined;
  /** Whether the target creates notes (shared by the run; see note-writer.ts). Default: unknown, not probed. */
  notes?: { support: NoteSupport };
}

/** Outcome of one item: its new id, or `present` when the folder already held the same content. */
export type ItemWriteOutcome = { newId: string; bytes: number } | { present: true };

interface StreamState {
  bytes: number;
  error?: unknown;
}

function missing(rec: ItemRecord, what: string): ZimbraBackupError {
  return new ZimbraBackupError(`${rec.kind} ${rec.id} has no ${what} in the backup`, {
    code: 'ZB_NOT_FOUND',
    data: { itemId: rec.id, kind: rec.kind },
  });
}

/** The blob as a stream that records its bytes and its (verification) error. */
async function verifiedBody(
  ctx: ItemWriteContext,
  digest: string,
  state: StreamState,
  wrap?: (first: Buffer) => Buffer | undefined,
): Promise<Readable> {
  const src = await ctx.blobs.get(parseDigest(digest), ctx.signal ? { signal: ctx.signal } : {});
  async function* relay(): AsyncGenerator<Buffer> {
    let first = true;
    try {
      for await (const chunk of src as AsyncIterable<Buffer>) {
        if (first && wrap) {
          const head = wrap(chunk);
          if (head) yield head;
        }
        first = false;
        state.bytes += chunk.length;
        yield chunk;
      }
    } catch (err) {
      state.error = err;
      throw err;
    }
  }
  return Readable.from(relay(), { objectMode: false });
}

/**
 * Uploads a verified blob and resolves to the upload id. The upload servlet reports an expired
 * token in its body (HTTP 200): uploadFile renews the token and asks for the bytes again
 * (`data.renewed`), so the blob is streamed once more.
 */
async function uploadBlob(
  ctx: ItemWriteContext,
  digest: string,
  contentType: string,
  filename: string,
  wrap?: (first: Buffer) => Buffer | undefined,
): Promise<{ aid: string; bytes: number }> {
  try {
    return await uploadBlobOnce(ctx, digest, contentType, filename, wrap);
  } catch (err) {
    if (!(err instanceof ZimbraBackupError && err.code === 'ZB_AUTH' && err.data['renewed'] === true)) throw err;
    return uploadBlobOnce(ctx, digest, contentType, filename, wrap);
  }
}

/** One upload of a verified blob; a verification failure wins over the transport error it causes. */
async function uploadBlobOnce(
  ctx: ItemWriteContext,
  digest: string,
  contentType: string,
  filename: string,
  wrap?: (first: Buffer) => Buffer | undefined,
): Promise<{ aid: string; bytes: number }> {
  const state: StreamState = { bytes: 0 };
  const body = await verifiedBody(ctx, digest, state, wrap);
  let aid: string;
  try {
    aid = await uploadFile(ctx.client, {
      account: ctx.account,
      body,
      contentType,
      filename,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } catch (err) {
    throw state.error ?? err;
  } finally {
    body.destroy();
  }
  // The server can answer before our stream reported its end: never use an upload whose bytes were not verified.
  if (state.error) throw state.error;
  return { aid, bytes: state.bytes };
}

/** Longest header block read to find a Message-ID (a hint for the duplicate check only). */
const MAX_HEADER_BYTES = 64 * 1024;

/** The Message-ID of a stored message, read from the start of its blob (unverified: used only to narrow a search). */
export async function messageIdOf(
  ctx: Pick<ItemWriteContext, 'blobs' | 'signal'>,
  digest: string,
): Promise<string | undefined> {
  const src = await ctx.blobs.get(parseDigest(digest), ctx.signal ? { signal: ctx.signal } : {});
  let head = '';
  try {
    for await (const chunk of src as AsyncIterable<Buffer>) {
      head += chunk.toString('latin1');
      if (head.length > MAX_HEADER_BYTES || /\r?\n\r?\n/.test(head)) break;
    }
  } catch {
    return undefined; // a corrupt blob fails later, where it is verified
  } finally {
    src.destroy();
  }
  const headers = head.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  return /^message-id:\s*(<[^>\r\n]{1,900}>)/im.exec(headers)?.[1];
}

async function writeMessage(
  ctx: ItemWriteContext,
  rec: ItemRecord,
  path: string,
  folderId: string,
): Promise<ItemWriteOutcome> {
  if (!rec.digest) throw missing(rec, 'content digest');
  const digest = rec.digest;
  if (await ctx.target.takeBlob(path, digest, rec.size, rec.dateMs, () => messageIdOf(ctx, digest)))
    return { present: true };
  const { aid, bytes } = await uploadBlob(ctx, rec.digest, 'message/rfc822', `${rec.id}.eml`);
  const m = await ctx.client.addMsg(
    {
      folderId,
      uploadId: aid,
      flags: rec.flags ?? '',
      ...(rec.tags?.length ? { tagNames: rec.tags } : {}),
      ...(rec.dateMs !== undefined ? { dateMs: rec.dateMs } : {}),
      // The invite in a restored message must not create or change calendar items: they are restored on their own.
      noICal: true,
    },
    opts(ctx),
  );
  return { newId: m.id, bytes };
}

function opts(ctx: ItemWriteContext): { account: string | AccountSelector; signal?: AbortSignal } {
  return ctx.signal ? { account: ctx.account, signal: ctx.signal } : { account: ctx.account };
}

async function writeContact(
  ctx: ItemWriteContext,
  rec: ItemRecord,
  path: string,
  folderId: string,
): Promise<ItemWriteOutcome> {
  const fields = (rec.meta?.['fields'] ?? undefined) as Record<string, string | string[]> | undefined;
  if (!fields || typeof fields !== 'object') throw missing(rec, 'contact fields');
  if (await ctx.target.takeContact(path, fields)) return { present: true };
  // Attached files (the photo is field `image`) go through the upload servlet, then
  // `<a n="image" aid="…"/>`; group members as `<m type value/>` (CreateContact.java).
  let bytes = 0;
  const attachments: Array<{ field: string; uploadId: string }> = [];
  for (const f of contactFiles(rec)) {
    const up = await uploadBlob(ctx, f.digest, f.contentType ?? 'application/octet-stream', f.filename ?? f.field);
    bytes += up.bytes;
    attachments.push({ field: f.field, uploadId: up.aid });
  }
  const members = contactMembers(rec).map((m) => {
    // A member that is a contact of this mailbox points at its restored copy when there is one.
    const mapped = m.type === 'C' ? ctx.contactIdOf?.(m.value) : undefined;
    return mapped !== undefined ? { type: m.type, value: mapped } : m;
  });
  const c = await ctx.client.createContact(
    {
      attrs: fields,
      folderId,
      ...(rec.tags?.length ? { tagNames: rec.tags } : {}),
      ...(attachments.length ? { attachments } : {}),
      ...(members.length ? { members } : {}),
    },
    opts(ctx),
  );
  return { newId: c.id, bytes };
}

/** The group members a contact record holds (`meta.members`). */
export function contactMembers(rec: ItemRecord): Array<{ type: string; value: string }> {
  const list = rec.meta?.['members'];
  if (!Array.isArray(list)) return [];
  return list.flatMap((m) =>
    typeof m === 'object' &&
    m !== null &&
    !Array.isArray(m) &&
    typeof m['type'] === 'string' &&
    typeof m['value'] === 'string'
      ? [{ type: m['type'], value: m['value'] }]
      : [],
  );
}

function contactFiles(
  rec: ItemRecord,
): Array<{ field: string; digest: string; contentType?: string; filename?: string }> {
  const list = rec.meta?.['attachments'];
  if (!Array.isArray(list)) return [];
  return list.flatMap((f) => {
    if (typeof f !== 'object' || f === null || Array.isArray(f)) return [];
    const { field, digest, contentType, filename } = f;
    if (typeof field !== 'string' || typeof digest !== 'string') throw missing(rec, 'attachment digest');
    return [
      {
        field,
        digest,
        ...(typeof contentType === 'string' ? { contentType } : {}),
        ...(typeof filename === 'string' ? { filename } : {}),
      },
    ];
  });
}

const CALENDAR_MIME_HEADER =
  'Content-Type: text/calendar; charset=utf-8; method=PUBLISH\r\nContent-Transfer-Encoding: 8bit\r\n\r\n';

/** A stored calendar blob that is bare iCalendar gets a minimal MIME header (SetAppointment takes a MIME message). */
function calendarWrap(first: Buffer): Buffer | undefined {
  const head = first.subarray(0, 64).toString('latin1').trimStart();
  if (!head.startsWith('BEGIN:VCALENDAR')) return undefined;
  return Buffer.from(CALENDAR_MIME_HEADER, 'latin1');
}

/** Calendar blobs up to this size are read whole (verified) and split into series and exceptions. */
const MAX_SPLIT_BYTES = 4 * 1024 * 1024;

/** Reads a whole blob; resolves only once the digest has been verified at the end of the stream. */
async function readVerified(ctx: ItemWriteContext, digest: string, maxBytes: number): Promise<Buffer> {
  const src = await ctx.blobs.get(parseDigest(digest), ctx.signal ? { signal: ctx.signal } : {});
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of src as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      src.destroy();
      throw new ZimbraBackupError(`calendar blob larger than ${maxBytes} bytes`, {
        code: 'ZB_TOO_LARGE',
        data: { digest },
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Upload ids for the series and each exception of a small calendar blob (bare iCalendar is split; MIME goes as is). */
async function uploadCalendar(
  ctx: ItemWriteContext,
  rec: ItemRecord,
  digest: string,
): Promise<{ aid: string; exceptions: string[]; bytes: number }> {
  const buf = await readVerified(ctx, digest, MAX_SPLIT_BYTES);
  const text = buf.toString('utf8');
  const upload = (body: Buffer, name: string): Promise<string> =>
    uploadFile(ctx.client, {
      account: ctx.account,
      body,
      contentType: 'message/rfc822',
      filename: name,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  if (!text.trimStart().startsWith('BEGIN:VCALENDAR'))
    return { aid: await upload(buf, `${rec.id}.eml`), exceptions: [], bytes: buf.length };
  const parts = splitCalendar(text);
  const header = Buffer.from(CALENDAR_MIME_HEADER, 'latin1');
  const aid = await upload(
    Buffer.concat([header, parts.default === text ? buf : Buffer.from(parts.default, 'utf8')]),
    `${rec.id}.ics.eml`,
  );
  const exceptions: string[] = [];
  for (const [i, ex] of parts.exceptions.entries())
    exceptions.push(await upload(Buffer.concat([header, Buffer.from(ex, 'utf8')]), `${rec.id}-${i + 1}.ics.eml`));
  return { aid, exceptions, bytes: buf.length };
}

async function writeCalendar(
  ctx: ItemWriteContext,
  rec: ItemRecord,
  path: string,
  folderId: string,
): Promise<ItemWriteOutcome> {
  if (!rec.digest) throw missing(rec, 'iCalendar blob');
  const uid = typeof rec.meta?.['uid'] === 'string' ? rec.meta['uid'] : undefined;
  if (uid !== undefined && (await ctx.target.takeUid(path, uid))) return { present: true };
  // Small calendars (nearly all) are split so overridden instances travel as `except` components;
  // a huge one (attachments) streams whole as the default component.
  const up =
    rec.size !== undefined && rec.size <= MAX_SPLIT_BYTES
      ? await uploadCalendar(ctx, rec, rec.digest)
      : {
          ...(await uploadBlob(ctx, rec.digest, 'message/rfc822', `${rec.id}.ics.eml`, calendarWrap)),
          exceptions: [] as string[],
        };
  const def = rec.kind === 'task' ? SetTask : SetAppointment;
  const r = await ctx.client.send(
    def,
    {
      folderId,
      flags: rec.flags ?? '',
      ...(rec.tags?.length ? { tagNames: rec.tags } : {}),
      default: { uploadId: up.aid, partStat: 'AC' },
      ...(up.exceptions.length ? { exceptions: up.exceptions.map((uploadId) => ({ uploadId, partStat: 'AC' })) } : {}),
    },
    opts(ctx),
  );
  return { newId: r.calItemId, bytes: up.bytes };
}

function restoredName(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (restored)${name.slice(dot)}` : `${name} (restored)`;
}

async function writeDocument(
  ctx: ItemWriteContext,
  rec: ItemRecord,
  path: string,
  folderId: string,
): Promise<ItemWriteOutcome> {
  if (!rec.digest) throw missing(rec, 'content digest');
  if (await ctx.target.takeBlob(path, rec.digest, rec.size)) return { present: true };
  let name = rec.name ?? `document-${rec.id}`;
  // Saving under an existing name makes a new revision of that document: never overwrite what is there.
  if (await ctx.target.hasDocumentName(path, name)) name = restoredName(name);
  const contentType = contentTypeOf(name);
  const { aid, bytes } = await uploadBlob(ctx, rec.digest, contentType, name);
  const d = await ctx.client.send(SaveDocument, { folderId, name, contentType, uploadId: aid }, opts(ctx));
  return { newId: d.id, bytes };
}

/**
 * Writes one item into `folderId` (whose path is `path`), unless the same content is already there.
 * @throws `ZB_DIGEST_MISMATCH`/`ZB_SIZE_MISMATCH` for a corrupt blob (nothing written),
 *   `ZB_BLOB_NOT_FOUND`, `ZB_NOT_FOUND` (no content in the backup), `ZB_UNSUPPORTED`, SOAP faults.
 */
export function writeItem(
  ctx: ItemWriteContext,
  rec: ItemRecord,
  path: string,
  folderId: string,
): Promise<ItemWriteOutcome> {
  switch (rec.kind) {
    case 'message':
      return writeMessage(ctx, rec, path, folderId);
    case 'contact':
      return writeContact(ctx, rec, path, folderId);
    case 'appointment':
    case 'task':
      return writeCalendar(ctx, rec, path, folderId);
    case 'document':
      return writeDocument(ctx, rec, path, folderId);
    case 'note':
      return writeNote({ ...ctx, notes: ctx.notes ?? { support: 'unknown' } }, rec, path, folderId);
    default:
      return Promise.reject(
        new ZimbraBackupError(`cannot restore a ${rec.kind} as an item`, {
          code: 'ZB_UNSUPPORTED',
          data: { itemId: rec.id, kind: rec.kind },
        }),
      );
  }
}
