/**
 * The optional append capability of a {@link StorageBackend} (local files; object stores have none).
 *
 * The journal uses it to append a batch plus a commit marker to an open segment and fsync it, and to
 * truncate a torn tail on open (DESIGN.md invariant 2). Backends whose `properties.appendable` is
 * false do not have it: the journal then writes sealed, write-once segment objects instead.
 * @module
 */
import type { IoOptions, StorageBackend } from './backend.js';

/** Options of {@link AppendableBackend.append}. */
export interface AppendOptions extends IoOptions {
  /** fsync the object (and, when the append created it, its directory) before resolving. Default: true. */
  sync?: boolean;
}

/**
 * A backend whose objects can grow in place.
 *
 * Contract: `append` adds `data` at the end of the object (creating it when missing) and, with
 * `sync` (the default), resolves only once the bytes are durable. An append interrupted by a crash
 * may leave any prefix of `data` behind (a torn tail); callers detect that with their own framing
 * and cut it off with `truncate`. Appends to the same key must not run concurrently.
 */
export interface AppendableBackend extends StorageBackend {
  /** Appends bytes at the end of `key`, creating it when missing. */
  append(key: string, data: Uint8Array, opts?: AppendOptions): Promise<void>;
  /** Shortens `key` to `size` bytes and makes that durable; a missing key rejects with `ZB_BLOB_NOT_FOUND`. */
  truncate(key: string, size: number, opts?: IoOptions): Promise<void>;
}

/** True when `backend` supports in-place appends (`properties.appendable` and the two methods). */
export function isAppendable(backend: StorageBackend): backend is AppendableBackend {
  const b = backend as Partial<AppendableBackend>;
  return backend.properties.appendable && typeof b.append === 'function' && typeof b.truncate === 'function';
}
