/**
 * Content-addressed blob store over any {@link StorageBackend} (DESIGN.md section 1, `BlobStore`).
 *
 * put(source):
 *   digest = SHA-256 of the uncompressed bytes, computed while streaming
 *     strategy 'spool' (default): one read of the source into a spool (header + encoded payload;
 *       in memory up to spoolMemoryBytes, then a local file); the spool is the replayable body of
 *       the upload, so a retry never re-reads a network source
 *       (a source whose declared size fits in memory, i.e. most mail, is read into one buffer and
 *       encoded in one call only when it is new: small-blob.ts, no per-blob stream pipeline)
 *     strategy 'rehash': pass 1 only hashes; pass 2 re-opens the source (cheap sources: files,
 *       memory) and streams it into the backend, verifying the digest again before the commit
 *   if the digest is stored or another put of it is in flight -> { stored: false } (dedup)
 *   else backend.put(blobs/ab/cd/<hex>, header + encoded bytes)
 * get(digest): stream, strip header, decode, re-hash; the end of the stream fails with
 *   ZB_DIGEST_MISMATCH / ZB_SIZE_MISMATCH when the bytes are not the blob: treat data as
 *   unverified until the stream has ended without error.
 * @module
 */
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Readable, addAbortSignal, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import { ZimbraBackupError, isZimbraBackupError, throwIfAborted } from '../errors.js';
import { resolveLogger, type Logger } from '../internal/logger.js';
import { type IoOptions, type ReplayableBody, type StorageBackend, bufferBody } from './backends/backend.js';
import { toStorageError } from './backends/storage-error.js';
import {
  BLOB_HEADER_SIZE,
  HEADER_SIZE_OFFSET,
  assertCodecAvailable,
  createDecoder,
  decodeBlobHeader,
  encoderFactory,
  encodeBlobHeader,
  headerSizeField,
  isCompression,
  type Compression,
} from './blob-codec.js';
import { fanOutBlobLayout, type BlobKeyLayout } from './blob-key.js';
import { PrependCounter, mapReadError, readHead, relayWithMappedErrors } from './blob-stream.js';
import { parseDigest, type Digest } from './digest.js';
import { DigestStream } from './digest-stream.js';
import { Spool } from './spool.js';
import { encodeWhole, isWholeCodec, readWhole } from './small-blob.js';
import type { PackStore } from './pack/pack-store.js';
import { invalidOptionOf } from '../internal/invalid-argument.js';

const invalid = invalidOptionOf('BlobStore option');

/** Options of {@link BlobStore}. */
export interface BlobStoreOptions {
  /** Where blob objects are stored. */
  backend: StorageBackend;
  /** Codec of new blobs. Default: 'none'. Existing blobs keep the codec they were written with. */
  compression?: Compression;
  /** gzip level 1-9 when `compression` is 'gzip'. Default: 6. */
  gzipLevel?: number;
  /** Most puts writing to the backend at once. Default: `backend.properties.maxConnections`. */
  concurrency?: number;
  /** Directory for spool files of the 'spool' strategy. Default: `os.tmpdir()`. */
  spoolDir?: string;
  /**
   * Bytes of one put's spool kept in memory before it spills to a file in `spoolDir`. Memory use
   * is bounded by this times the number of concurrent puts. Default: 262144 (256 KiB); 0 always
   * spools to a file.
   */
  spoolMemoryBytes?: number;
  /** Maps digests to keys. Default: `blobs/ab/cd/<hex>`. */
  layout?: BlobKeyLayout;
  /** Debug logging of puts. Default: silent. */
  logger?: Logger | false;
  /**
   * Format v2: store blobs in packs (docs/FORMAT.md "Pack files") instead of one object each. A
   * put then returns once the blob is in the open pack; {@link BlobStore.flush} makes it durable.
   */
  packs?: PackStore;
  /** With `packs`: a blob object at least this large gets a pack of its own. Default: half the target pack size. */
  largeBlobBytes?: number;
}

/** A blob source: re-openable (retries, the 'rehash' strategy) with an optional known size. */
export type BlobSource = ReplayableBody;

/** Options of {@link BlobStore.put}. */
export interface PutOptions extends IoOptions {
  /** How the digest is found before the key is known; see the module doc. Default: 'spool'. */
  strategy?: 'spool' | 'rehash';
}

/** Result of a put. */
export interface PutResult {
  /** SHA-256 of the uncompressed bytes. */
  digest: Digest;
  /** Uncompressed size in bytes. */
  size: number;
  /** Bytes of the stored object (header + encoded payload); for duplicates, the existing object's. */
  storedSize: number;
  /** False when the blob was already stored or being stored by a concurrent put (dedup). */
  stored: boolean;
}

/** Result of {@link BlobStore.stat}. */
export interface BlobStat {
  /** The blob's digest. */
  digest: Digest;
  /** Uncompressed size in bytes, when recorded in the header. */
  size: number | undefined;
  /** Bytes of the stored object. */
  storedSize: number;
  /** Codec of the stored object. */
  codec: Compression;
}

/** Counters since construction (or {@link BlobStore.resetStats}). */
export interface BlobStoreStats {
  /** Calls of put/putKnownDigest that succeeded. */
  puts: number;
  /** Of those, how many were duplicates (nothing written). */
  dedupHits: number;
  /** Uncompressed bytes handed to successful puts (duplicates included; putKnownDigest skips excluded). */
  bytesIn: number;
  /** Bytes written to the backend (header + encoded payload). */
  bytesStored: number;
}

/** Content-addressed, deduplicating, optionally compressing blob store. */
export class BlobStore {
  /** The backend blobs are stored in. */
  readonly backend: StorageBackend;
  /** Codec of new blobs. */
  readonly compression: Compression;
  /** Key layout in use. */
  readonly layout: BlobKeyLayout;
  readonly #gzipLevel: number;
  readonly #spoolDir: string;
  readonly #spoolMemory: number;
  readonly #limit: LimitFunction;
  readonly #log: Logger;
  readonly #inflight = new Map<Digest, Promise<PutResult>>();
  /** The pack engine (format v2), or undefined for one object per blob (format v1). */
  readonly packs: PackStore | undefined;
  readonly #largeBytes: number;
  #stats: BlobStoreStats = { puts: 0, dedupHits: 0, bytesIn: 0, bytesStored: 0 };

  /**
   * Creates a store. zstd availability is checked by the first put ({@link BlobStore.ready} checks it early).
   * @throws `ZB_INVALID_ARGUMENT` naming the bad option.
   */
  constructor(options: BlobStoreOptions) {
    if (!options?.backend) throw invalid('backend', 'is required');
    const compression = options.compression ?? 'none';
    if (!isCompression(compression)) throw invalid('compression', "must be 'none', 'gzip' or 'zstd'");
    const level = options.gzipLevel ?? 6;
    if (!Number.isInteger(level) || level < 1 || level > 9) throw invalid('gzipLevel', 'must be an integer 1-9');
    const concurrency = options.concurrency ?? options.backend.properties.maxConnections;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw invalid('concurrency', 'must be a positive integer');
    const spoolMemory = options.spoolMemoryBytes ?? 0;
    if (!Number.isInteger(spoolMemory) || spoolMemory < 0)
      throw invalid('spoolMemoryBytes', 'must be a non-negative integer');
    this.backend = options.backend;
    this.compression = compression;
    this.layout = options.layout ?? fanOutBlobLayout();
    this.#gzipLevel = level;
    this.#spoolDir = options.spoolDir ?? tmpdir();
    this.#spoolMemory = options.spoolMemoryBytes ?? 256 * 1024;
    this.#limit = pLimit(concurrency);
    this.#log = resolveLogger(options.logger);
    this.packs = options.packs;
    this.#largeBytes = options.largeBlobBytes ?? Math.floor((options.packs?.targetPackBytes ?? 0) / 2);
  }

  /**
   * Makes every blob stored so far durable (format v2: seals the open pack, writes an index file;
   * concurrent calls share one pass). Call before committing journal records that reference them.
   * Format v1 puts are durable when they resolve, so this does nothing there.
   */
  async flush(opts: IoOptions = {}): Promise<void> {
    await this.packs?.flush(opts);
  }

  /**
   * Resolves when the configured codec is usable.
   * @throws `ZB_UNSUPPORTED` when compression is 'zstd' and `zstd-napi` is not installed.
   */
  async ready(): Promise<void> {
    await assertCodecAvailable(this.compression);
  }

  /** A snapshot of the counters. */
  get stats(): Readonly<BlobStoreStats> {
    return { ...this.#stats };
  }

  /** Zeroes the counters. */
  resetStats(): void {
    this.#stats = { puts: 0, dedupHits: 0, bytesIn: 0, bytesStored: 0 };
  }

  /**
   * Stores a blob unless it is already stored; the digest is computed while streaming.
   * @throws `ZB_SIZE_MISMATCH` when `source.size` is given and wrong; `ZB_DIGEST_MISMATCH` when a
   *   re-read source ('rehash') changed; `ZB_UNSUPPORTED` for zstd without `zstd-napi`;
   *   `ZB_ABORTED`; backend errors (`ZB_STORAGE`). Nothing is visible after a failure.
   */
  async put(source: BlobSource, opts: PutOptions = {}): Promise<PutResult> {
    throwIfAborted(opts.signal);
    await this.ready();
    const result =
      opts.strategy === 'rehash'
        ? await this.#putRehash(source, opts.signal)
        : await this.#putSpool(source, opts.signal);
    this.#count(result);
    return result;
  }

  /**
   * Stores a blob whose digest the caller already knows; when it is stored already, `source` is
   * never opened (dedup before download). Otherwise the bytes stream straight to the backend and
   * are verified before the object becomes visible.
   * @throws `ZB_DIGEST_MISMATCH` / `ZB_SIZE_MISMATCH` when the bytes do not match; see {@link BlobStore.put}.
   */
  async putKnownDigest(digest: Digest, source: BlobSource, opts: IoOptions = {}): Promise<PutResult> {
    const d = parseDigest(digest);
    throwIfAborted(opts.signal);
    await this.ready();
    const result = await this.#dedup(
      d,
      source.size,
      () => this.#write(d, source.size, source, opts.signal),
      opts.signal,
    );
    this.#count(result, result.stored || source.size !== undefined);
    return result;
  }

  /** True when the blob is stored. */
  async has(digest: Digest, opts: IoOptions = {}): Promise<boolean> {
    if (this.packs) {
      const d = parseDigest(digest);
      const id = this.packs.idOf(d);
      await this.packs.load(opts);
      if (this.packs.has(id)) return true;
      // Another process may have indexed it since we loaded.
      await this.packs.refresh(opts);
      return this.packs.has(id);
    }
    return (await this.backend.stat(this.layout.key(parseDigest(digest)), opts)) !== undefined;
  }

  /**
   * Sizes and codec of a stored blob (reads its 16-byte header), or undefined when it is missing.
   * @throws `ZB_REPOSITORY_CORRUPT` for a damaged header.
   */
  async stat(digest: Digest, opts: IoOptions = {}): Promise<BlobStat | undefined> {
    const d = parseDigest(digest);
    if (this.packs) return this.#statPacked(d, opts);
    const key = this.layout.key(d);
    const st = await this.backend.stat(key, opts);
    if (!st) return undefined;
    const stream = await this.backend.get(key, { ...opts, offset: 0, length: BLOB_HEADER_SIZE });
    let head: Buffer;
    try {
      head = await readHead(stream, BLOB_HEADER_SIZE, key);
    } finally {
      // Release the file handle/socket even if 'end' was never read.
      stream.destroy();
    }
    const header = decodeBlobHeader(head, key);
    return { digest: d, size: header.size, storedSize: st.size, codec: header.codec };
  }

  /**
   * Streams the original bytes of a blob; the stream fails at its end unless they hash to `digest`.
   * @throws `ZB_BLOB_NOT_FOUND` (rejects); the stream errors with `ZB_DIGEST_MISMATCH`,
   *   `ZB_SIZE_MISMATCH`, `ZB_REPOSITORY_CORRUPT` or `ZB_ABORTED`.
   */
  async get(digest: Digest, opts: IoOptions = {}): Promise<Readable> {
    const d = parseDigest(digest);
    const { key, raw } = this.packs ? await this.#openPacked(d, opts) : await this.#openLoose(d, opts);
    try {
      const header = decodeBlobHeader(await readHead(raw, BLOB_HEADER_SIZE, key), key);
      const decoder = await createDecoder(header.codec);
      const verify = new DigestStream({
        expectDigest: d,
        ...(header.size === undefined ? {} : { expectSize: header.size }),
        data: { key, digest: d },
      });
      const stages: Array<Readable | Transform> = decoder ? [raw, decoder, verify] : [raw, verify];
      // The promise is observed through the relay below; its rejection must not go unhandled.
      pipeline(stages).catch(() => {});
      return relayWithMappedErrors(verify, (err) => mapReadError(err, key));
    } catch (err) {
      raw.destroy();
      throw mapReadError(err, key);
    }
  }

  async #openLoose(d: Digest, opts: IoOptions): Promise<{ key: string; raw: Readable }> {
    const key = this.layout.key(d);
    return { key, raw: await this.backend.get(key, opts) };
  }

  /** One ranged read of the blob's object inside its pack (or its bytes while still pending). */
  async #openPacked(d: Digest, opts: IoOptions): Promise<{ key: string; raw: Readable }> {
    const packs = this.packs as PackStore;
    const id = packs.idOf(d);
    await packs.load(opts);
    let loc = packs.locate(id);
    if (!loc) {
      const pending = packs.pendingBytes(id);
      if (pending) return { key: `pending:${d}`, raw: Readable.from([pending]) };
      // Written by another process since we loaded the index?
      await packs.refresh(opts);
      loc = packs.locate(id);
    }
    if (!loc) throw blobNotFound(d);
    const key = packs.packKey(loc.pack);
    const stored = await this.backend.get(key, { ...opts, offset: loc.offset, length: loc.length });
    if (!packs.cipher || loc.length > SMALL_SEALED) return { key, raw: packs.openObjectStream(stored, id, key) };
    // A small sealed blob (most mail) is opened in one call: authenticated before a byte is used,
    // and cheaper than a decrypting stream stage per blob.
    const chunks: Buffer[] = [];
    try {
      for await (const c of stored) chunks.push(c as Buffer);
    } catch (err) {
      throw mapReadError(err, key);
    }
    return { key, raw: Readable.from([packs.openObject(Buffer.concat(chunks), id, key)]) };
  }

  async #statPacked(d: Digest, opts: IoOptions): Promise<BlobStat | undefined> {
    const packs = this.packs as PackStore;
    const id = packs.idOf(d);
    await packs.load(opts);
    const loc = packs.locate(id);
    if (loc) return { digest: d, size: loc.rawSize, storedSize: loc.length, codec: loc.codec };
    const pending = packs.pendingBytes(id);
    if (!pending) return undefined;
    const h = decodeBlobHeader(pending, `pending:${d}`);
    return { digest: d, size: h.size, storedSize: pending.length, codec: h.codec };
  }

  /**
   * Every stored digest (objects under the layout prefix that are not blob keys are skipped). In an
   * encrypted repository these are the stored ids (keyed MACs), not content digests.
   */
  async *list(opts: IoOptions = {}): AsyncIterable<Digest> {
    if (this.packs) {
      await this.packs.load(opts);
      for (const [d] of this.packs.table.entries()) yield d as Digest;
      return;
    }
    for await (const { key } of this.backend.list(this.layout.prefix, opts)) {
      const d = this.layout.parse(key);
      if (d) yield d;
    }
  }

  /**
   * Removes a blob. Only garbage collection may call this, under the writer lock: a concurrent put
   * that deduplicated against it would otherwise reference a deleted blob.
   * @throws `ZB_BLOB_NOT_FOUND`.
   */
  async delete(digest: Digest, opts: IoOptions = {}): Promise<void> {
    if (this.packs) {
      throw new ZimbraBackupError('blobs in packs are removed by repacking (purge), not one by one', {
        code: 'ZB_UNSUPPORTED',
        data: { digest },
      });
    }
    await this.backend.delete(this.layout.key(parseDigest(digest)), opts);
  }

  #count(r: PutResult, countBytes = true): void {
    this.#stats.puts++;
    if (countBytes) this.#stats.bytesIn += r.size;
    if (r.stored) this.#stats.bytesStored += r.storedSize;
    else this.#stats.dedupHits++;
  }

  /** Pass 1 hashes; pass 2 (only for new content) writes with verification. */
  async #putRehash(source: BlobSource, signal: AbortSignal | undefined): Promise<PutResult> {
    const hash = createHash('sha256');
    let size = 0;
    const input = source.open();
    if (signal) addAbortSignal(signal, input);
    try {
      // A plain loop: the hashing pass needs no stream stages (fewer hops per small blob).
      for await (const chunk of input) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
    } catch (err) {
      throw mapReadError(err, 'source');
    }
    if (source.size !== undefined && source.size !== size) {
      throw new ZimbraBackupError(`size mismatch: expected ${source.size} bytes, got ${size}`, {
        code: 'ZB_SIZE_MISMATCH',
        data: { expected: source.size, actual: size },
      });
    }
    const digest = hash.digest('hex') as Digest;
    return this.#dedup(digest, size, () => this.#write(digest, size, source, signal), signal);
  }

  /** A small source of known size: read into memory, hashed, and encoded only when new (small-blob.ts). */
  async #putWhole(source: BlobSource & { size: number }, signal: AbortSignal | undefined): Promise<PutResult> {
    const codec = this.compression as 'none' | 'gzip';
    const { bytes, digest } = await readWhole(source, signal);
    const size = bytes.length;
    return this.#dedup(
      digest,
      size,
      async () => {
        const object = await encodeWhole(bytes, codec, this.#gzipLevel);
        if (this.packs) await this.packs.add(this.packs.idOf(digest), size, codec, object);
        else await this.backend.put(this.layout.key(digest), bufferBody(object), signal ? { signal } : {});
        return { digest, size, storedSize: object.length, stored: true };
      },
      signal,
    );
  }

  /** One pass into a spool (header + encoded bytes; memory, then a file), then upload it if new. */
  async #putSpool(source: BlobSource, signal: AbortSignal | undefined): Promise<PutResult> {
    if (source.size !== undefined && source.size <= this.#spoolMemory && isWholeCodec(this.compression))
      return this.#putWhole(source as BlobSource & { size: number }, signal);
    const spool = new Spool(this.#spoolDir, this.#spoolMemory);
    try {
      const hasher = new DigestStream(source.size === undefined ? {} : { expectSize: source.size });
      const counter = new PrependCounter(encodeBlobHeader(this.compression, source.size));
      const input = source.open();
      if (signal) addAbortSignal(signal, input);
      const encoder = (await encoderFactory(this.compression, this.#gzipLevel))();
      try {
        await pipeline([input, hasher, ...(encoder ? [encoder] : []), counter, spool] as unknown as [
          Readable,
          Transform,
        ]);
      } catch (err) {
        throw mapReadError(err, 'source');
      }
      const { digest, size } = hasher;
      if (source.size === undefined) await spool.patch(HEADER_SIZE_OFFSET, headerSizeField(size));
      const storedSize = counter.count;
      const key = this.layout.key(digest);
      return await this.#dedup(
        digest,
        size,
        async () => {
          if (this.packs) return this.#storePacked(digest, size, spool, signal);
          await this.backend.put(key, { size: storedSize, open: () => spool.open() }, signal ? { signal } : {});
          return { digest, size, storedSize, stored: true };
        },
        signal,
      );
    } finally {
      await spool.dispose();
    }
  }

  /**
   * Claims `digest`: waits for a concurrent put of it, skips when it is stored, else runs `write`
   * (under the concurrency limit). Concurrent puts of the same content therefore write once.
   */
  async #dedup(
    digest: Digest,
    size: number | undefined,
    write: () => Promise<PutResult>,
    signal: AbortSignal | undefined,
  ): Promise<PutResult> {
    for (;;) {
      const pending = this.#inflight.get(digest);
      if (!pending) break;
      const done = await pending.then(
        (r) => r,
        () => undefined,
      );
      // If the other put failed, this one tries itself.
      if (done) return { digest, size: size ?? done.size, storedSize: done.storedSize, stored: false };
      throwIfAborted(signal);
    }
    const key = this.layout.key(digest);
    const attempt = (async (): Promise<PutResult> => {
      if (this.packs) {
        const io = signal ? { signal } : {};
        await this.packs.load(io);
        // The index is in memory: deduplication costs no request.
        const st = this.packs.has(this.packs.idOf(digest)) ? await this.#statPacked(digest, io) : undefined;
        if (st) return { digest, size: size ?? st.size ?? 0, storedSize: st.storedSize, stored: false };
        return this.#limit(write);
      }
      const st = await this.backend.stat(key, signal ? { signal } : {});
      if (st) {
        const known = size ?? (await this.stat(digest, signal ? { signal } : {}))?.size ?? 0;
        return { digest, size: known, storedSize: st.size, stored: false };
      }
      return this.#limit(write);
    })();
    this.#inflight.set(digest, attempt);
    try {
      const r = await attempt;
      this.#log.debug({ digest, size: r.size, storedSize: r.storedSize, stored: r.stored }, 'blob put');
      return r;
    } finally {
      if (this.#inflight.get(digest) === attempt) this.#inflight.delete(digest);
    }
  }

  /** Hands a spooled blob object to the pack engine: into the open pack, or a pack of its own when large. */
  async #storePacked(digest: Digest, size: number, spool: Spool, signal: AbortSignal | undefined): Promise<PutResult> {
    const packs = this.packs as PackStore;
    const storedSize = spool.size;
    const head = spool.contents();
    const codec = this.compression;
    const id = packs.idOf(digest);
    if (head === undefined && storedSize >= this.#largeBytes) {
      await packs.addLarge(id, size, codec, storedSize, () => spool.open(), signal ? { signal } : {});
    } else {
      const bytes = head ?? (await collect(spool.open()));
      await packs.add(id, size, codec, bytes);
    }
    return { digest, size, storedSize, stored: true };
  }

  /** Writes a blob whose digest is known, re-verifying the bytes before the backend commits. */
  async #write(
    digest: Digest,
    size: number | undefined,
    source: BlobSource,
    signal: AbortSignal | undefined,
  ): Promise<PutResult> {
    const key = this.layout.key(digest);
    const encoder = await encoderFactory(this.compression, this.#gzipLevel);
    let last: { verify: DigestStream; counter: PrependCounter } | undefined;
    const open = (): Readable => {
      const verify = new DigestStream({
        expectDigest: digest,
        ...(size === undefined ? {} : { expectSize: size }),
        data: { key },
      });
      const counter = new PrependCounter(encodeBlobHeader(this.compression, size));
      last = { verify, counter };
      const enc = encoder();
      const stages: Array<Readable | Transform> = enc
        ? [source.open(), verify, enc, counter]
        : [source.open(), verify, counter];
      // Errors reach the backend through `counter`, which the pipeline destroys on failure.
      pipeline(stages).catch(() => {});
      return counter;
    };
    if (this.packs) {
      const spool = new Spool(this.#spoolDir, this.#largeBytes);
      try {
        try {
          await pipeline(open(), spool);
        } catch (err) {
          throw mapReadError(err, 'source');
        }
        return await this.#storePacked(digest, size ?? last?.verify.size ?? 0, spool, signal);
      } finally {
        await spool.dispose();
      }
    }
    try {
      await this.backend.put(key, { open }, signal ? { signal } : {});
    } catch (err) {
      throw isZimbraBackupError(err) ? err : toStorageError(err, 'put', key);
    }
    return { digest, size: size ?? last?.verify.size ?? 0, storedSize: last?.counter.count ?? 0, stored: true };
  }
}

/** Sealed blob objects up to this size are read whole and opened at once (see #openPacked). */
const SMALL_SEALED = 1024 * 1024;

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function blobNotFound(digest: Digest): ZimbraBackupError {
  return new ZimbraBackupError(`blob ${digest} is not in the repository`, {
    code: 'ZB_BLOB_NOT_FOUND',
    data: { digest },
  });
}
