import { Readable } from 'node:stream';

/** Per-call options of every I/O operation. */
export interface IoOptions {
  /** Aborts the operation; a put aborted midway leaves nothing visible. */
  signal?: AbortSignal;
}

/** Options of {@link StorageBackend.put}. */
export interface BackendPutOptions extends IoOptions {
  /**
   * `false`: the object need not survive a power loss or OS crash (a local backend then skips its
   * fsyncs; after such a crash the object may be missing, older, or on some filesystems empty).
   * Atomicity for readers and a process crash are unaffected. Only for objects whose loss costs
   * nothing but freshness (the advisory capture status). Default true.
   */
  durable?: boolean;
}

/**
 * A body that can be read more than once, so a failed write can be retried from the start
 * (restic's RewindReader). `open()` must return a fresh stream of the same bytes each call.
 */
export interface ReplayableBody {
  /** Byte length when known in advance (lets backends pick single-part uploads). */
  size?: number;
  /** Opens a new stream over the same bytes. */
  open(): Readable;
}

/** A body over bytes already in memory (small objects: status, index, lock, request files). */
export function bufferBody(bytes: Buffer): ReplayableBody {
  return { size: bytes.length, open: () => Readable.from([bytes]) };
}

/** One object returned by {@link StorageBackend.list}. */
export interface ObjectInfo {
  /** Repository-relative key. */
  key: string;
  /** Stored size in bytes. */
  size: number;
}

/** Static properties of a backend. */
export interface BackendProperties {
  /** True when a put over an existing key replaces it atomically (local rename, S3). */
  atomicReplace: boolean;
  /** Suggested maximum of concurrent operations. */
  maxConnections: number;
}

/**
 * Dumb object storage under a repository root.
 *
 * Contract (every implementation must pass the conformance suite in `zimbra-backup/testing`):
 * - keys are repository-relative, '/'-separated, validated by the caller (no empty, `.`, `..` or
 *   dot-prefixed segments, no NUL or backslash, at most 1024 characters; backends may re-check and
 *   reject others with `ZB_UNSAFE_PATH`);
 * - read-after-write: once `put` resolves, `get`/`stat`/`list` see the whole object;
 * - a put is atomic: a failed, aborted or crashed put is never observable, not even partly; a put
 *   whose body yields a byte count different from a declared `body.size` fails with
 *   `ZB_SIZE_MISMATCH` and is not observable either;
 * - an aborted call rejects with `ZB_ABORTED`;
 * - `get` of a missing key and `delete` of a missing key reject with `ZB_BLOB_NOT_FOUND`;
 * - `get` ranges are clamped to the end of the object; an offset past the end is `ZB_INVALID_ARGUMENT`;
 * - `stat` of a missing key resolves `undefined`;
 * - `list(prefix)` yields every key that starts with `prefix` (plain string prefix, order unspecified);
 * - concurrent puts of the same key each succeed or fail as a whole; one of them wins;
 * - transient failures reject with a `ZB_STORAGE` error whose `data.transient` is true; permanent
 *   ones (ENOSPC, EACCES, 4xx) with `data.transient` false and the low-level error as `cause`.
 */
export interface StorageBackend {
  /** What callers may rely on beyond the contract. */
  readonly properties: BackendProperties;
  /** Stores `body` under `key`, replacing any existing object atomically. */
  put(key: string, body: ReplayableBody, opts?: BackendPutOptions): Promise<void>;
  /** Streams an object, or the byte range `[offset, offset+length)` of it. */
  get(key: string, opts?: IoOptions & { offset?: number; length?: number }): Promise<Readable>;
  /** Size of an object, or undefined when it does not exist. */
  stat(key: string, opts?: IoOptions): Promise<{ size: number } | undefined>;
  /** Every object whose key starts with `prefix`. */
  list(prefix: string, opts?: IoOptions): AsyncIterable<ObjectInfo>;
  /** Removes an object; a missing key rejects with `ZB_BLOB_NOT_FOUND`. */
  delete(key: string, opts?: IoOptions): Promise<void>;
  /** Releases connections and timers. Optional. */
  close?(): Promise<void>;
}
