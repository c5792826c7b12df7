/**
 * Bulk download of message content for a full listing: one `fmt=tar&list=…` request per batch of
 * ids (rest/export-items-tar.ts, ArchiveFormatter.java) instead of one REST GET per message. The
 * profile of issue 12 put most of the initial backup's CPU into per-request work (request writes,
 * the server's per-request cost on the same cores), not storage.
 *
 * ```text
 * request(id, size)      queued; all requests of one tick are flushed together (setImmediate)
 * flush                  fewer than MIN_BATCH -> all undefined (per-item GET); else batches of
 *                        BATCH_IDS ids (URL under ~2 KB), each under the item limit (one slot)
 * batch: for each entry  '<n>.meta'  -> ItemData JSON: id, type, size, blob_digest
 *                        '<n>'       -> accepted only right after its '<n>.meta', for a requested id
 *                                       of type message/chat whose size equals the listing's and the
 *                                       entry's; small: read whole and held; large: streamed to the store
 *                        next header -> '<n>.err' follows: the server padded or cut the blob: dropped
 *                                       otherwise the held entry is stored (same put as the per-item
 *                                       path), its SHA-256 checked against blob_digest, resolved
 * end / error            every id not resolved -> undefined (per-item GET); abort and repository
 *                        failures reject instead (per-item fetching would not fix them)
 * ```
 * A truncated archive never yields a short blob: tar-stream fails the cut entry ("Unexpected end
 * of data") and the item falls back to a per-item GET, whose own size check applies.
 * @module
 */
import { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import { isRetryable, isZimbraBackupError } from '../errors.js';
import { exportItemsTar } from '../rest/export-items-tar.js';
import { HttpStatusError } from '../soap/http/errors.js';
import { bufferBody } from '../store/backends/backend.js';
import { digestFromZimbra } from '../store/digest.js';
import type { FetchContext, StoredContent } from './item-fetch.js';
import { HeaderTap, headerBlock } from './message-envelope.js';

/** Fewer messages than this in one flush are fetched one by one (a tar request saves nothing). */
const MIN_BATCH = 4;
/**
 * Ids per tar request: the ids travel in the URL, and Jetty bounds the request line and headers
 * together by `zimbraHttpRequestHeaderSize` (default 8192, zimbra-attrs.xml id 1580); about 2,000
 * characters of ids leave room for the path and the auth cookie.
 */
const BATCH_IDS = 250;
const BATCH_URL_CHARS = 2000;
/** Entries up to this size are read whole and stored after the next header showed no `.err`. */
const WHOLE_BYTES = 256 * 1024;
/** A `.meta` entry larger than this is not ItemData of a message: skipped. */
const META_BYTES = 1024 * 1024;
/** Two zero blocks end a tar archive. */
const END_BYTES = 1024;
/** `MailItem.Type` bytes of a message and a chat (a Message subclass). */
const MESSAGE_TYPES = new Set([5, 16]);

interface Want {
  id: string;
  size: number;
  resolve: (v: StoredContent | undefined) => void;
  reject: (err: unknown) => void;
}

/** What a `.meta` entry says of the entry that follows it. */
interface EntryMeta {
  name: string;
  id: string;
  type: number;
  size: number;
  digest: string | undefined;
}

/** A content entry read or stored, waiting for the next header (a `.err` marker voids it). */
interface Held {
  want: Want;
  name: string;
  digest: string | undefined;
  bytes?: Buffer;
  stored?: StoredContent;
}

/** Counters of one fetcher (tests and logs). */
export interface BulkFetchStats {
  requests: number;
  fromArchive: number;
  fallbacks: number;
}

/** Batches message downloads of one account run into `fmt=tar` requests. */
export class BulkMessageFetcher {
  readonly stats: BulkFetchStats = { requests: 0, fromArchive: 0, fallbacks: 0 };
  #queue: Want[] = [];
  #scheduled = false;
  /** Set when the server refused a tar request: the rest of the run fetches per item. */
  #refused = false;

  constructor(private readonly ctx: FetchContext) {}

  /**
   * The stored content of a message from a bulk archive, or undefined when the caller must fetch
   * it per item (not in the archive, mismatching, archive failed).
   * @throws what per-item fetching would not fix: an abort, a repository failure.
   */
  request(id: string, size: number | undefined): Promise<StoredContent | undefined> {
    const max = this.ctx.maxItemBytes;
    if (this.#refused || size === undefined || !/^\d+$/.test(id) || (max !== undefined && size > max)) {
      return Promise.resolve(undefined);
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ id, size, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    if (queue.length < MIN_BATCH) {
      for (const w of queue) this.#fallback(w);
      return;
    }
    let batch: Want[] = [];
    let chars = 0;
    const start = (): void => {
      const b = batch;
      batch = [];
      chars = 0;
      void this.ctx.limit(() => this.#run(b));
    };
    const seen = new Set<string>();
    for (const w of queue) {
      if (seen.has(w.id)) {
        this.#fallback(w);
        continue;
      }
      seen.add(w.id);
      if (batch.length >= BATCH_IDS || chars + w.id.length + 1 > BATCH_URL_CHARS) start();
      batch.push(w);
      chars += w.id.length + 1;
    }
    if (batch.length > 0) start();
  }

  #fallback(w: Want): void {
    this.stats.fallbacks++;
    w.resolve(undefined);
  }

  async #run(batch: Want[]): Promise<void> {
    const wants = new Map(batch.map((w) => [w.id, w]));
    try {
      if (this.#refused) return;
      this.stats.requests++;
      const stream = await exportItemsTar(this.ctx.client, {
        account: this.ctx.account,
        ids: batch.map((w) => w.id),
        ...(this.ctx.signal ? { signal: this.ctx.signal } : {}),
      });
      await this.#consume(stream, wants);
    } catch (err) {
      if (this.ctx.signal?.aborted || isFatal(err)) {
        for (const w of wants.values()) w.reject(err);
        wants.clear();
        return;
      }
      // A server that refuses the format (an old release, a proxy in between) is not asked again.
      if (err instanceof HttpStatusError) this.#refused = true;
      this.ctx.client.logger.warn(
        { op: 'bulk download', items: wants.size, code: isZimbraBackupError(err) ? err.code : undefined },
        `bulk download failed; fetching its items one by one: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      for (const w of wants.values()) this.#fallback(w);
    }
  }

  async #consume(stream: Readable, wants: Map<string, Want>): Promise<void> {
    const ex = extract();
    stream.on('error', (err) => ex.destroy(err));
    // The archive's end: two zero blocks (then padding). A stream cut between two entries ends
    // without an error, so the last entry counts only when the end marker came after it.
    let tail: Buffer = Buffer.alloc(0);
    stream.on('data', (c: Buffer) => {
      tail = c.length >= END_BYTES ? c.subarray(c.length - END_BYTES) : Buffer.concat([tail, c]).subarray(-END_BYTES);
    });
    stream.pipe(ex);
    let last: Held | undefined;
    try {
      last = await this.#entries(ex, wants);
    } finally {
      stream.destroy();
    }
    const ended = tail.length === END_BYTES && tail.every((b) => b === 0);
    if (last && ended) await this.#settle(last, wants);
  }

  /** Reads the entries; returns the last accepted one, which the caller settles after the end marker. */
  async #entries(ex: ReturnType<typeof extract>, wants: Map<string, Want>): Promise<Held | undefined> {
    let meta: EntryMeta | undefined;
    let held: Held | undefined;
    for await (const entry of ex) {
      const h: Header = entry.header;
      if (held) {
        const h0 = held;
        held = undefined;
        // ArchiveFormatter writes '<name>.err' after a blob whose length was not the item's size
        if (h.name === `${h0.name}.err`) {
          entry.resume();
          continue;
        }
        await this.#settle(h0, wants);
      }
      const m = meta;
      meta = undefined;
      if (h.type !== 'file') {
        entry.resume();
        continue;
      }
      if (h.name.endsWith('.meta')) {
        meta = h.size !== undefined && h.size <= META_BYTES ? parseMeta(h.name, await readAll(entry)) : undefined;
        if (!meta) entry.resume();
        continue;
      }
      const want = m && m.name === h.name ? wants.get(m.id) : undefined;
      if (!m || !want || !MESSAGE_TYPES.has(m.type) || m.size !== want.size || h.size !== want.size) {
        entry.resume();
        continue;
      }
      if (want.size <= WHOLE_BYTES) {
        held = { want, name: h.name, digest: m.digest, bytes: await readAll(entry) };
      } else {
        held = { want, name: h.name, digest: m.digest, stored: await this.#putStream(entry, want) };
      }
    }
    return held;
  }

  /** Stores a held entry (if not yet) and resolves its want, unless its digest disagrees. */
  async #settle(held: Held, wants: Map<string, Want>): Promise<void> {
    const { want } = held;
    let stored = held.stored;
    if (!stored) {
      const bytes = held.bytes!;
      try {
        const put = await this.ctx.blobs.put(bufferBody(bytes), this.ctx.signal ? { signal: this.ctx.signal } : {});
        this.ctx.onBytes?.(put.size, put.stored ? put.storedSize : 0);
        stored = { digest: put.digest, size: put.size, head: headerBlock(bytes) };
      } catch (err) {
        wants.delete(want.id);
        want.reject(err);
        throw err;
      }
    }
    const expected = zimbraSha256(held.digest);
    if (expected !== undefined && expected !== stored.digest) return; // left in `wants`: per-item GET
    wants.delete(want.id);
    this.stats.fromArchive++;
    want.resolve(stored);
  }

  /** A large entry: streamed into the store through the header tap (as the per-item path does). */
  async #putStream(entry: AsyncIterable<unknown>, want: Want): Promise<StoredContent> {
    const tap = new HeaderTap();
    const open = (): Readable => {
      // tar-stream entries are streamx streams: bridged into a Node stream for the store's pipeline
      const source = Readable.from(entry, { objectMode: false });
      source.on('error', (err) => tap.destroy(err));
      return source.pipe(tap);
    };
    try {
      const put = await this.ctx.blobs.put(
        { size: want.size, open },
        this.ctx.signal ? { signal: this.ctx.signal } : {},
      );
      this.ctx.onBytes?.(put.size, put.stored ? put.storedSize : 0);
      return { digest: put.digest, size: put.size, head: tap.head };
    } catch (err) {
      if (this.ctx.signal?.aborted || isFatal(err)) want.reject(err);
      throw err;
    }
  }
}

/** Errors that fetching the item again cannot fix: the repository's (disk full, lost lock). */
function isFatal(err: unknown): boolean {
  return (isZimbraBackupError(err, 'ZB_STORAGE') && !isRetryable(err)) || isZimbraBackupError(err, 'ZB_LOCK_LOST');
}

async function readAll(entry: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of entry) {
    chunks.push(c as Buffer);
    size += (c as Buffer).length;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** The ItemData fields the bulk path checks; undefined for anything else (skipped). */
function parseMeta(name: string, bytes: Buffer): EntryMeta | undefined {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!json || typeof json !== 'object') return undefined;
  const o = json as Record<string, unknown>;
  const { id, type, size } = o;
  if (!Number.isSafeInteger(id) || !Number.isSafeInteger(type) || !Number.isSafeInteger(size)) return undefined;
  const digest = typeof o['blob_digest'] === 'string' ? o['blob_digest'] : undefined;
  return { name: name.slice(0, -'.meta'.length), id: String(id), type: type as number, size: size as number, digest };
}

/** Our hex form of a SHA-256 `blob_digest`; undefined for another form (old releases' SHA-1). */
function zimbraSha256(digest: string | undefined): string | undefined {
  if (digest === undefined) return undefined;
  try {
    return digestFromZimbra(digest);
  } catch {
    return undefined;
  }
}
