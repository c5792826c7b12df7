/**
 * Fetches what the journal needs of changed items: bulk metadata over SOAP, content over REST
 * streamed straight into the blob store (hashed while streaming, stored once per digest).
 * @module
 */
import type { Readable } from 'node:stream';
import { isRetryable, ZimbraBackupError } from '../errors.js';
import { downloadItem } from '../rest/download-item.js';
import { NoSuchItemError } from '../soap/faults.js';
import type { ContactAttachment, ContactGroupMember, ItemSummary } from '../soap/requests/items.js';
import { GetItem } from '../soap/requests/get-item.js';
import type { AccountSelector } from '../soap/transports/transport.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import type { BlobStore } from '../store/blob-store.js';
import type { JsonValue } from '../journal/types.js';
import { HeaderTap } from './message-envelope.js';

/** What item fetching needs from its caller. */
export interface FetchContext {
  client: ZimbraClient;
  account: AccountSelector;
  blobs: BlobStore;
  /** Bounds concurrent downloads across all accounts. */
  limit: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Largest item accepted, in bytes (a bigger one fails with ZB_TOO_LARGE, never truncated). */
  maxItemBytes?: number;
  /** Download attempts per item on transient failures (size mismatch, reset). Default 3. */
  attempts?: number;
  signal?: AbortSignal;
  /** Called after each stored download with uncompressed and stored byte counts. */
  onBytes?: (downloaded: number, stored: number) => void;
}

/** A stored content blob. */
export interface StoredContent {
  digest: string;
  size: number;
  /** The RFC 822 header block, when `captureHead` was asked (see message-envelope.ts). */
  head?: Buffer;
}

const METADATA_CHUNK = 200;

function sendOpts(ctx: FetchContext): { account: AccountSelector; signal?: AbortSignal } {
  return ctx.signal ? { account: ctx.account, signal: ctx.signal } : { account: ctx.account };
}

/** Message metadata in bulk; ids the server no longer has are simply absent from the map. */
export async function messageMetadata(ctx: FetchContext, ids: string[]): Promise<Map<string, ItemSummary>> {
  const out = new Map<string, ItemSummary>();
  for (let i = 0; i < ids.length; i += METADATA_CHUNK) {
    const chunk = ids.slice(i, i + METADATA_CHUNK);
    let found: ItemSummary[];
    try {
      found = await ctx.client.getMsgMetadata(chunk, sendOpts(ctx));
    } catch (err) {
      // One vanished message can fail the whole call on some servers: fall back to one by one.
      if (!(err instanceof NoSuchItemError)) throw err;
      found = [];
      for (const id of chunk) {
        try {
          found.push(...(await ctx.client.getMsgMetadata([id], sendOpts(ctx))));
        } catch (e) {
          if (!(e instanceof NoSuchItemError)) throw e;
        }
      }
    }
    for (const m of found) out.set(m.id, m);
  }
  return out;
}

/** What GetContacts reports of one contact: fields, attached files (photo) and group members. */
export interface ContactMetadata {
  summary: ItemSummary;
  fields: Record<string, string | string[]>;
  attachments: ContactAttachment[];
  members: ContactGroupMember[];
}

/** Contacts with their fields, in bulk; vanished ids are absent. */
export async function contactMetadata(ctx: FetchContext, ids: string[]): Promise<Map<string, ContactMetadata>> {
  const out = new Map<string, ContactMetadata>();
  for (let i = 0; i < ids.length; i += METADATA_CHUNK) {
    const chunk = ids.slice(i, i + METADATA_CHUNK);
    const fetchOne = async (list: string[]): Promise<void> => {
      const contacts = await ctx.client.getContacts({ ids: list, sync: true }, sendOpts(ctx));
      for (const c of contacts)
        out.set(c.id, { summary: c, fields: c.attrs, attachments: c.attachments, members: c.members });
    };
    try {
      await fetchOne(chunk);
    } catch (err) {
      if (!(err instanceof NoSuchItemError)) throw err;
      for (const id of chunk)
        await fetchOne([id]).catch((e: unknown) => {
          if (!(e instanceof NoSuchItemError)) throw e;
        });
    }
  }
  return out;
}

/** One item's common fields (documents, appointments); undefined when it no longer exists. */
export async function itemMetadata(ctx: FetchContext, id: string): Promise<ItemSummary | undefined> {
  try {
    return (await ctx.client.send(GetItem, { id }, sendOpts(ctx))).item;
  } catch (err) {
    if (err instanceof NoSuchItemError) return undefined;
    throw err;
  }
}

/** The iCalendar UID of an appointment or task; undefined when it no longer exists. */
export async function calendarUid(ctx: FetchContext, id: string): Promise<string | undefined> {
  try {
    return (await ctx.client.getAppointment({ id, sync: true }, sendOpts(ctx))).uid;
  } catch (err) {
    if (err instanceof NoSuchItemError) return undefined;
    throw err;
  }
}

/** Options of {@link storeContent}. */
export interface StoreContentOptions {
  expectedSize?: number;
  part?: string;
  captureHead?: boolean;
  /** REST formatter asked for explicitly (never the server's per-type default). Default `native`. */
  fmt?: 'native' | 'ics';
}

/**
 * A body that cannot be what `fmt` asked for: a message or document asked in native form that
 * comes back as iCalendar or an HTML page means another formatter answered (UserServlet.java
 * `defaultFormat`); it must never be stored as the item's bytes.
 */
function wrongFormatter(fmt: 'native' | 'ics', contentType: string | undefined, isPart: boolean): boolean {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (fmt === 'ics') return ct !== 'text/calendar' && ct !== 'text/plain';
  return !isPart && ct === 'text/calendar';
}

/**
 * Streams an item (or one MIME part) from REST into the blob store. Undefined when the item
 * vanished meanwhile (`mail.NO_SUCH_ITEM`): the caller treats it as deleted. A body shorter or
 * longer than `expectedSize` is refetched; never committed truncated.
 */
export async function storeContent(
  ctx: FetchContext,
  id: string,
  opts: StoreContentOptions = {},
): Promise<StoredContent | undefined> {
  const attempts = ctx.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.limit(() => downloadOnce(ctx, id, opts));
    } catch (err) {
      if (err instanceof NoSuchItemError) return undefined;
      const again =
        attempt < attempts &&
        (isRetryable(err) || (err instanceof ZimbraBackupError && err.code === 'ZB_SIZE_MISMATCH'));
      if (!again) throw err;
    }
  }
}

async function downloadOnce(ctx: FetchContext, id: string, opts: StoreContentOptions): Promise<StoredContent> {
  const fmt = opts.fmt ?? 'native';
  const res = await downloadItem(ctx.client, {
    account: ctx.account,
    id,
    fmt,
    ...(opts.part !== undefined ? { part: opts.part } : {}),
    ...(opts.expectedSize !== undefined ? { expectedSize: opts.expectedSize } : {}),
    ...(ctx.maxItemBytes !== undefined ? { maxBytes: ctx.maxItemBytes } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (wrongFormatter(fmt, res.contentType, opts.part !== undefined)) {
    res.stream.destroy();
    throw new ZimbraBackupError(`item ${id}: asked for ${fmt}, the server answered ${res.contentType ?? 'no type'}`, {
      code: 'ZB_PROTOCOL',
      data: { itemId: id, fmt, contentType: res.contentType ?? null },
    });
  }
  let opened = false;
  const tap = opts.captureHead ? new HeaderTap() : undefined;
  const open = (): Readable => {
    // The network body can be read once; the blob store spools it, so a backend retry replays the spool.
    if (opened)
      throw new ZimbraBackupError('download stream already consumed', { code: 'ZB_TRANSPORT', data: { itemId: id } });
    opened = true;
    if (!tap) return res.stream;
    // The tap passes every byte on; errors of the network body reach the store through it.
    res.stream.on('error', (err) => tap.destroy(err));
    return res.stream.pipe(tap);
  };
  try {
    const put = await ctx.blobs.put(
      { ...(res.size !== undefined ? { size: res.size } : {}), open },
      ctx.signal ? { signal: ctx.signal } : {},
    );
    ctx.onBytes?.(put.size, put.stored ? put.storedSize : 0);
    return { digest: put.digest, size: put.size, ...(tap ? { head: tap.head } : {}) };
  } finally {
    if (!opened) res.stream.destroy();
  }
}

/** A contact's attached file once its bytes are in the blob store (journal `meta.attachments[]`). */
export interface StoredContactAttachment {
  field: string;
  part: string;
  contentType?: string;
  filename?: string;
  digest: string;
  size: number;
}

/**
 * Contact fields as JSON metadata (multi-valued fields stay arrays), plus, when present, the
 * group members (`meta.members`) and the attached files with their blob digests
 * (`meta.attachments`); see docs/FORMAT.md.
 */
export function contactMeta(
  fields: Record<string, string | string[]>,
  members: ContactGroupMember[] = [],
  attachments: StoredContactAttachment[] = [],
): { [k: string]: JsonValue } {
  const sorted: { [k: string]: JsonValue } = {};
  for (const k of Object.keys(fields).sort()) sorted[k] = fields[k] as JsonValue;
  const out: { [k: string]: JsonValue } = { fields: sorted };
  if (members.length > 0) out['members'] = members.map((m) => ({ type: m.type, value: m.value }));
  if (attachments.length > 0)
    out['attachments'] = attachments.map((a) => {
      const o: { [k: string]: JsonValue } = { field: a.field, part: a.part, digest: a.digest, size: a.size };
      if (a.contentType !== undefined) o['contentType'] = a.contentType;
      if (a.filename !== undefined) o['filename'] = a.filename;
      return o;
    });
  return out;
}

/**
 * Downloads each attached file of a contact (REST `?id=N&part=P`, UserServlet / NativeFormatter)
 * into the blob store. Undefined when the contact vanished meanwhile.
 */
export async function storeContactAttachments(
  ctx: FetchContext,
  id: string,
  attachments: ContactAttachment[],
): Promise<StoredContactAttachment[] | undefined> {
  const out: StoredContactAttachment[] = [];
  for (const a of attachments) {
    const stored = await storeContent(ctx, id, { part: a.part });
    if (!stored) return undefined;
    out.push({
      field: a.field,
      part: a.part,
      ...(a.contentType !== undefined ? { contentType: a.contentType } : {}),
      ...(a.filename !== undefined ? { filename: a.filename } : {}),
      digest: stored.digest,
      size: stored.size,
    });
  }
  return out;
}
