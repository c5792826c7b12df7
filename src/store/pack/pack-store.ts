/**
 * The pack engine of format v2 (docs/FORMAT.md "Pack files", "Index files"): small blobs are
 * appended to an in-memory pack that is written with one backend put (one fsync locally, one PUT
 * on S3) once it reaches the target size or when {@link PackStore.flush} runs; a very large blob
 * gets a pack of its own, streamed. `flush` makes every blob added so far durable and indexed: it
 * seals the open pack, waits for pack writes, then writes one immutable index file. Concurrent
 * flushes share one pass (group commit), so committing many journals at once costs one pack and
 * one index file, not one per commit.
 *
 * Names are random (12 random bytes + 4 bytes of creation time), so several writers can each write
 * their own packs and index files without coordinating.
 *
 * Memory (issue 12, "peak RSS flat"): a pack is filled by copying each blob object into one
 * preallocated buffer, and the buffer of a written pack is reused for the next one. One pack is
 * filled while {@link MAX_PACKS_WRITING} is written (an `add` waits beyond), so a writer holds at
 * most two pack buffers (each 1.5 x the target size of address space, of which the filled part is
 * resident) whatever the number of blobs. Before, each pack was a list of the blob objects
 * themselves: they lived long enough to be promoted to V8's old generation and were freed only by
 * full collections, so tens of MB of written packs stayed resident between them.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ZimbraBackupError, isZimbraBackupError } from '../../errors.js';
import { resolveLogger, type Logger } from '../../internal/logger.js';
import { type IoOptions, type StorageBackend, bufferBody } from '../backends/backend.js';
import type { Compression } from '../blob-codec.js';
import { SEAL_OVERHEAD, aad, type RepositoryCipher } from '../crypto/cipher.js';
import { readSmallObject } from './read-object.js';
import { decodeIndexFile, encodeIndexFile, encodeIndexTable } from './index-file.js';
import { IndexTable, type BlobLocation } from './index-table.js';
import { PACK_HEADER_SIZE, encodePackHeader, encodePackTrailer, type PackEntry } from './pack-format.js';

/** Key layout of packs and index files. */
export interface PackLayout {
  /** Prefix of pack objects (`packs/`); a pack's key is `<prefix><id[0:2]>/<id>`. */
  packsPrefix: string;
  /** Prefix of index files (`packindex/`); an index file's key is `<prefix><id>`. */
  indexPrefix: string;
}

/** The v2 layout. */
export const DEFAULT_PACK_LAYOUT: PackLayout = { packsPrefix: 'packs/', indexPrefix: 'packindex/' };

/** Options of {@link PackStore}. */
export interface PackStoreOptions {
  /** Where packs live. */
  backend: StorageBackend;
  /** Key prefixes. Default: {@link DEFAULT_PACK_LAYOUT}. */
  layout?: PackLayout;
  /** A pack is sealed once it reaches this many bytes. Default: 16 MiB. */
  targetPackBytes?: number;
  /** Index files beyond which a flush merges them into one. Default: 32. */
  compactIndexAfter?: number;
  /** Logger. */
  logger?: Logger | false;
  /** Clock (seconds in names). Default: `Date.now`. */
  now?: () => number;
  /**
   * Encrypted repository: blob objects and pack entry tables are sealed with it, and blobs are
   * stored under keyed-MAC ids ({@link PackStore.idOf}). Index files are sealed by the
   * repository's encrypting backend, not here.
   */
  cipher?: RepositoryCipher;
}

const ID = /^[0-9a-f]{32}$/;

/** A fresh object id: 12 random bytes, then the creation time in seconds (u32 BE), as 32 hex. */
export function newObjectId(nowMs: number): string {
  const b = Buffer.alloc(16);
  randomBytes(12).copy(b);
  b.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, 12);
  return b.toString('hex');
}

/** Creation time (ms) encoded in an object id. */
export function idTimeMs(id: string): number {
  return Buffer.from(id, 'hex').readUInt32BE(12) * 1000;
}

/**
 * Packs being written while another one is filled. A seal may make it one more for a moment (a
 * full pack, or a flush); producers then wait, so at most two pack buffers exist at any time.
 */
export const MAX_PACKS_WRITING = 1;

interface OpenPack {
  id: string;
  /** Header and blob objects in `[0, size)`. */
  buf: Buffer;
  size: number;
  entries: PackEntry[];
  /** True when `buf` is a pool buffer (returned to the pool once the pack is durable). */
  pooled: boolean;
  /** Set when sealed. */
  trailer?: Buffer;
}

/** Packs + index of one repository, for one writer process (readers use it too). */
export class PackStore {
  readonly backend: StorageBackend;
  readonly layout: PackLayout;
  readonly targetPackBytes: number;
  readonly #compactAfter: number;
  readonly #log: Logger;
  readonly #now: () => number;
  /** The cipher of an encrypted repository. */
  readonly cipher: RepositoryCipher | undefined;
  #table = new IndexTable();
  #indexFiles = new Set<string>();
  /** Stored size (bytes) of each index file, where known (listed or written by this store). */
  readonly #indexSizes = new Map<string, number>();
  #loaded: Promise<void> | undefined;
  /** Blobs not yet in a durable pack: their object bytes (views into their pack's buffer). */
  readonly #pending = new Map<string, Buffer>();
  #open: OpenPack | undefined;
  /** Bytes of a pool buffer: room for a full pack plus one blob below the large-blob threshold. */
  readonly #capacity: number;
  /** Buffers of written packs, reused for the next packs. */
  readonly #spare: Buffer[] = [];
  /** Pack writes in progress. */
  readonly #writing = new Set<Promise<void>>();
  /** Entries in durable packs that no index file holds yet. */
  #unindexed: Array<[string, BlobLocation]> = [];
  /** Sealed packs whose write failed: retried by the next flush; their blobs stay pending. */
  #retry: Array<{ pack: OpenPack; error: unknown }> = [];
  #flushing: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  /** Counters for stats and benches. */
  readonly counters = { packsWritten: 0, indexFilesWritten: 0, packBytes: 0 };

  constructor(options: PackStoreOptions) {
    this.backend = options.backend;
    this.layout = options.layout ?? DEFAULT_PACK_LAYOUT;
    this.targetPackBytes = options.targetPackBytes ?? 16 * 1024 * 1024;
    if (!Number.isInteger(this.targetPackBytes) || this.targetPackBytes < 1024)
      throw new ZimbraBackupError('targetPackBytes must be an integer >= 1024', {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'targetPackBytes' },
      });
    this.#capacity = this.targetPackBytes + Math.ceil(this.targetPackBytes / 2);
    this.#compactAfter = options.compactIndexAfter ?? 32;
    this.#log = resolveLogger(options.logger);
    this.#now = options.now ?? Date.now;
    this.cipher = options.cipher;
  }

  /**
   * The id a blob is stored under: its content digest, or in an encrypted repository the keyed MAC
   * of it. Every method below that takes an `id` takes this.
   */
  idOf(contentDigest: string): string {
    return this.cipher ? this.cipher.blobId(contentDigest) : contentDigest;
  }

  /** The plaintext blob object of stored object bytes (decrypted and authenticated when encrypted). */
  openObject(stored: Buffer, id: string, key: string): Buffer {
    return this.cipher ? this.cipher.open(stored, aad.blob(id), key) : stored;
  }

  /** As {@link PackStore.openObject}, streaming (the stream fails at its end when not authentic). */
  openObjectStream(stored: Readable, id: string, key: string): Readable {
    if (!this.cipher) return stored;
    const out = this.cipher.decryptStream(aad.blob(id), key);
    stored.on('error', (err) => out.destroy(err));
    return stored.pipe(out);
  }

  /** Key of a pack. */
  packKey(id: string): string {
    return `${this.layout.packsPrefix}${id.slice(0, 2)}/${id}`;
  }

  /** Pack id of a key, or undefined. */
  packIdOfKey(key: string): string | undefined {
    if (!key.startsWith(this.layout.packsPrefix)) return undefined;
    const rest = key.slice(this.layout.packsPrefix.length);
    const id = rest.slice(3);
    return ID.test(id) && rest === `${id.slice(0, 2)}/${id}` ? id : undefined;
  }

  /** Key of an index file. */
  indexKey(id: string): string {
    return `${this.layout.indexPrefix}${id}`;
  }

  /** Index file id of a key, or undefined. */
  indexIdOfKey(key: string): string | undefined {
    const id = key.slice(this.layout.indexPrefix.length);
    return key.startsWith(this.layout.indexPrefix) && ID.test(id) ? id : undefined;
  }

  /** Loads every index file once (later calls wait for the first). */
  load(opts: IoOptions = {}): Promise<void> {
    this.#loaded ??= this.#loadNew(opts).catch((err: unknown) => {
      this.#loaded = undefined;
      throw err;
    });
    return this.#loaded;
  }

  /** Reads index files written since the last load (another process, or a purge). */
  async refresh(opts: IoOptions = {}): Promise<void> {
    await this.load(opts);
    await this.#loadNew(opts);
  }

  /** Drops the in-memory index and reads every index file again (after a purge rewrote packs). */
  async reload(opts: IoOptions = {}): Promise<void> {
    await this.flush(opts);
    this.#table = new IndexTable();
    this.#indexFiles = new Set();
    this.#indexSizes.clear();
    this.#loaded = undefined;
    await this.load(opts);
  }

  async #loadNew(opts: IoOptions): Promise<void> {
    for await (const { key, size } of this.backend.list(this.layout.indexPrefix, opts)) {
      const id = this.indexIdOfKey(key);
      if (!id || this.#indexFiles.has(id)) continue;
      this.#indexSizes.set(id, size);
      let bytes: Buffer;
      try {
        bytes = await readSmallObject(this.backend, key, opts);
      } catch (err) {
        if (isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) continue; // merged away while we listed
        throw err;
      }
      decodeIndexFile(bytes, key, this.#table);
      this.#indexFiles.add(id);
    }
  }

  /** The in-memory index (durable entries plus those awaiting an index file). */
  get table(): IndexTable {
    return this.#table;
  }

  /** Ids of the index files loaded or written. */
  get indexFiles(): ReadonlySet<string> {
    return this.#indexFiles;
  }

  /** True when the blob is stored, or added and not yet flushed. */
  has(digest: string): boolean {
    return this.#pending.has(digest) || this.#table.has(digest);
  }

  /** Location of a stored blob (undefined while it is pending or unknown). */
  locate(digest: string): BlobLocation | undefined {
    return this.#table.get(digest);
  }

  /**
   * The plaintext blob object of a blob not yet in a durable pack: a copy, since its pack's buffer
   * is reused once the pack is written.
   */
  pendingBytes(digest: string): Buffer | undefined {
    const stored = this.#pending.get(digest);
    if (!stored) return undefined;
    return this.cipher ? this.openObject(stored, digest, `pending:${digest}`) : Buffer.from(stored);
  }

  /**
   * Copies a small blob object (v1 blob header + payload; sealed here when encrypted) into the
   * open pack; seals the pack when full. Waits first while `MAX_PACKS_WRITING` (1) packs are
   * being written, so memory stays bounded (see the module documentation).
   */
  async add(digest: string, rawSize: number, codec: Compression, plainObject: Buffer): Promise<void> {
    this.#throwIfFailed();
    if (this.has(digest)) return;
    const object = this.cipher ? this.cipher.seal(plainObject, aad.blob(digest)) : plainObject;
    for (;;) {
      while (this.#writing.size > MAX_PACKS_WRITING) {
        await Promise.race(this.#writing).catch(() => {});
        this.#throwIfFailed();
      }
      if (this.has(digest)) return;
      // A blob that does not fit the room left seals the pack first (only with a large-blob
      // threshold above half the target size; below it, the room left always suffices).
      if (!this.#open || this.#open.size + object.length <= this.#open.buf.length) break;
      this.#seal();
    }
    const open = (this.#open ??= this.#newPack(object.length));
    object.copy(open.buf, open.size);
    const view = open.buf.subarray(open.size, open.size + object.length);
    open.entries.push({ digest, offset: open.size, length: object.length, rawSize, codec });
    open.size += object.length;
    this.#pending.set(digest, view);
    if (open.size >= this.targetPackBytes) this.#seal();
  }

  /** A new open pack, in a pool buffer unless `objectLength` needs a larger one of its own. */
  #newPack(objectLength: number): OpenPack {
    const header = encodePackHeader(this.cipher !== undefined);
    const pooled = header.length + objectLength <= this.#capacity;
    // Never zero-filled: only `[0, size)`, written here, is ever read or stored.
    const buf = pooled
      ? (this.#spare.pop() ?? Buffer.allocUnsafeSlow(this.#capacity))
      : Buffer.allocUnsafeSlow(header.length + objectLength);
    header.copy(buf, 0);
    return { id: newObjectId(this.#now()), buf, size: header.length, entries: [], pooled };
  }

  /**
   * Writes a large blob object (`plainLength` bytes before sealing) as a pack of its own
   * (streamed; resolves once it is durable).
   */
  async addLarge(
    digest: string,
    rawSize: number,
    codec: Compression,
    plainLength: number,
    openPlain: () => Readable,
    opts: IoOptions = {},
  ): Promise<void> {
    this.#throwIfFailed();
    if (this.has(digest)) return;
    const id = newObjectId(this.#now());
    const cipher = this.cipher;
    const length = cipher ? plainLength + SEAL_OVERHEAD : plainLength;
    const open = (): Readable => {
      if (!cipher) return openPlain();
      const src = openPlain();
      const enc = cipher.encryptStream(aad.blob(digest));
      src.on('error', (err) => enc.destroy(err));
      return src.pipe(enc);
    };
    const entries: PackEntry[] = [{ digest, offset: PACK_HEADER_SIZE, length, rawSize, codec }];
    const trailer = encodePackTrailer(entries, cipher && { cipher, packId: id });
    const size = PACK_HEADER_SIZE + length + trailer.length;
    const header = encodePackHeader(cipher !== undefined);
    await this.backend.put(
      this.packKey(id),
      {
        size,
        open: () =>
          Readable.from(
            (async function* () {
              yield header;
              yield* open();
              yield trailer;
            })(),
            { objectMode: false },
          ),
      },
      opts,
    );
    this.#landed(id, entries, size);
  }

  /**
   * Makes every blob added so far durable and indexed: seals the open pack, waits for pack writes,
   * writes one index file. Calls that arrive while a flush runs share the next one.
   */
  flush(opts: IoOptions = {}): Promise<void> {
    if (!this.#flushing) {
      this.#flushing = this.#flushOnce(opts).finally(() => {
        this.#flushing = undefined;
      });
      return this.#flushing;
    }
    this.#queued ??= this.#flushing
      .catch(() => {})
      .then(() => {
        this.#queued = undefined;
        return this.flush(opts);
      });
    return this.#queued;
  }

  /** True when blobs were added that no index file covers yet. */
  get dirty(): boolean {
    return this.#open !== undefined || this.#writing.size > 0 || this.#retry.length > 0 || this.#unindexed.length > 0;
  }

  async #flushOnce(opts: IoOptions): Promise<void> {
    for (const { pack } of this.#retry.splice(0)) this.#write(pack);
    if (this.#open) this.#seal();
    while (this.#writing.size > 0) await Promise.all(this.#writing).catch(() => {});
    // A pack that could not be written fails the flush (and so the commit that wanted it).
    const failed = this.#retry[0];
    if (failed) throw failed.error;
    if (this.#unindexed.length === 0) return;
    const entries = this.#unindexed;
    this.#unindexed = [];
    try {
      await this.#writeIndex(entries, opts);
    } catch (err) {
      this.#unindexed = entries.concat(this.#unindexed);
      throw err;
    }
    if (this.#indexFiles.size > this.#compactAfter) {
      await this.compactIndex(opts).catch((err: unknown) =>
        this.#log.warn({ code: (err as { code?: unknown }).code }, 'index compaction failed (the index stays valid)'),
      );
    }
  }

  /** Writes one index file: `entries`, or the bytes of one already encoded. */
  async #writeIndex(entries: Iterable<[string, BlobLocation]> | Buffer, opts: IoOptions): Promise<string> {
    const id = newObjectId(this.#now());
    const bytes = Buffer.isBuffer(entries) ? entries : encodeIndexFile(entries);
    await this.backend.put(this.indexKey(id), bufferBody(bytes), opts);
    this.#indexFiles.add(id);
    this.#indexSizes.set(id, bytes.length);
    this.counters.indexFilesWritten++;
    return id;
  }

  /**
   * Merges every index file this store knows into one, then deletes the merged ones. Crash-safe:
   * until the deletes, entries are merely duplicated. Files written meanwhile by others are kept.
   */
  async compactIndex(opts: IoOptions = {}): Promise<void> {
    const old = [...this.#indexFiles];
    if (old.length <= 1) return;
    // Entries awaiting their own index file are left out (that file follows with the next flush).
    const unindexed = new Set(this.#unindexed.map(([d]) => d));
    const kept = await this.#writeIndex(encodeIndexTable(this.#table, unindexed), opts);
    for (const id of old) {
      await this.backend.delete(this.indexKey(id), opts).catch((err: unknown) => {
        if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) throw err;
      });
      this.#indexFiles.delete(id);
      this.#indexSizes.delete(id);
    }
    this.#indexFiles.add(kept);
  }

  /**
   * Size-tiered merge, for the end of every backup run (issue 12): merges only the small index
   * files, so a run's cost follows what it added, not the repository's size. Files sorted largest
   * first; each file larger than twice all smaller ones together stays, and the first one that is
   * not is merged with every smaller one. The files left form a geometric series (O(log n) of
   * them) and each entry is rewritten O(log n) times over its life. Crash-safe as
   * {@link PackStore.compactIndex}: the merged file is durable before the small ones go.
   */
  async compactIndexTiered(opts: IoOptions = {}): Promise<void> {
    const sized = [...this.#indexFiles]
      .map((id) => ({ id, size: this.#indexSizes.get(id) ?? Number.MAX_SAFE_INTEGER }))
      .sort((a, b) => b.size - a.size);
    let smaller = sized.reduce((n, f) => n + f.size, 0);
    let from = 0;
    for (; from < sized.length; from++) {
      smaller -= sized[from]!.size;
      if (sized[from]!.size <= 2 * smaller) break;
    }
    const take = sized.slice(from).map((f) => f.id);
    if (take.length < 2) return;
    const merged = new IndexTable();
    for (const id of take) {
      const key = this.indexKey(id);
      decodeIndexFile(await readSmallObject(this.backend, key, opts), key, merged);
    }
    const kept = await this.#writeIndex(encodeIndexTable(merged), opts);
    for (const id of take) {
      await this.backend.delete(this.indexKey(id), opts).catch((err: unknown) => {
        if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) throw err;
      });
      this.#indexFiles.delete(id);
      this.#indexSizes.delete(id);
    }
    this.#indexFiles.add(kept);
  }

  /**
   * Replaces the index: writes one file holding `entries` and deletes the index files listed in
   * `obsolete` (purge, after repacking). The in-memory table becomes `entries`.
   */
  async replaceIndex(
    entries: Array<[string, BlobLocation]>,
    obsolete: Iterable<string>,
    opts: IoOptions = {},
  ): Promise<void> {
    await this.flush(opts);
    const table = new IndexTable();
    for (const [d, l] of entries) table.add(d, l);
    const kept = await this.#writeIndex(encodeIndexTable(table), opts);
    for (const id of obsolete) {
      if (id === kept) continue;
      await this.backend.delete(this.indexKey(id), opts).catch((err: unknown) => {
        if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) throw err;
      });
      this.#indexFiles.delete(id);
    }
    this.#table = table;
  }

  #seal(): void {
    const pack = this.#open;
    if (!pack) return;
    this.#open = undefined;
    pack.trailer = encodePackTrailer(pack.entries, this.cipher && { cipher: this.cipher, packId: pack.id });
    this.#write(pack);
  }

  #write(pack: OpenPack): void {
    const chunks = [pack.buf.subarray(0, pack.size), pack.trailer as Buffer];
    const size = pack.size + (pack.trailer as Buffer).length;
    const write = (async () => {
      await this.backend.put(this.packKey(pack.id), { size, open: () => Readable.from(chunks, { objectMode: false }) });
      this.#landed(pack.id, pack.entries, size);
      // Durable, and no pending view points into it any more: the buffer takes the next pack.
      // (A backend keeps no reference to a body's chunks once its put resolved.)
      if (pack.pooled && this.#spare.length <= MAX_PACKS_WRITING) this.#spare.push(pack.buf);
    })().then(
      () => {
        this.#writing.delete(write);
      },
      (err: unknown) => {
        this.#writing.delete(write);
        // Nothing of this pack is stored; its blobs stay pending (readable, deduplicated) and
        // the next flush writes it again.
        this.#retry.push({ pack, error: err });
        this.#log.warn({ pack: pack.id, code: (err as { code?: unknown }).code }, 'pack write failed; will retry');
      },
    );
    this.#writing.add(write);
  }

  #landed(id: string, entries: PackEntry[], size: number): void {
    for (const e of entries) {
      const loc: BlobLocation = { pack: id, offset: e.offset, length: e.length, rawSize: e.rawSize, codec: e.codec };
      this.#table.add(e.digest, loc);
      this.#unindexed.push([e.digest, loc]);
      this.#pending.delete(e.digest);
    }
    this.counters.packsWritten++;
    this.counters.packBytes += size;
  }

  /** Stops producers while a pack write is failing (the next flush retries it). */
  #throwIfFailed(): void {
    const failed = this.#retry[0];
    if (failed) throw failed.error;
  }
}
