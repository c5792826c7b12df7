/**
 * In-memory {@link StorageBackend} for tests and examples; it honours the full contract (atomic puts,
 * aborts, ranged gets, typed errors) so code tested on it behaves the same on disk or S3.
 * @module
 */
import { Readable, addAbortSignal } from 'node:stream';
import { ZimbraBackupError, throwIfAborted } from '../../errors.js';
import type { BackendProperties, IoOptions, ObjectInfo, ReplayableBody } from './backend.js';
import type { StorageBackend } from './backend.js';
import { assertValidKey, assertValidPrefix, resolveRange } from './key.js';
import { notFound, sizeMismatch, toStorageError } from './storage-error.js';

/** Options of {@link MemoryBackend}. */
export interface MemoryBackendOptions {
  /** Chunk size of the streams returned by `get`, in bytes. Default: 65536. */
  chunkSize?: number;
}

/** Stores objects in a `Map`; nothing survives the process. Objects are immutable once stored. */
export class MemoryBackend implements StorageBackend {
  /** @inheritDoc */
  readonly properties: BackendProperties;
  readonly #objects = new Map<string, Buffer>();
  readonly #chunkSize: number;

  /** Creates an empty store. */
  constructor(options: MemoryBackendOptions = {}) {
    const chunkSize = options.chunkSize ?? 65536;
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
      throw new ZimbraBackupError('chunkSize must be a positive integer', {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'chunkSize' },
      });
    }
    this.#chunkSize = chunkSize;
    this.properties = { atomicReplace: true, maxConnections: 64 };
  }

  /** Number of stored objects (a test convenience). */
  get size(): number {
    return this.#objects.size;
  }

  /** @inheritDoc */
  async put(key: string, body: ReplayableBody, opts: IoOptions = {}): Promise<void> {
    assertValidKey(key);
    throwIfAborted(opts.signal);
    const chunks: Buffer[] = [];
    let total = 0;
    const source = body.open();
    if (opts.signal) addAbortSignal(opts.signal, source);
    try {
      for await (const chunk of source) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array | string);
        chunks.push(buf);
        total += buf.length;
      }
    } catch (err) {
      source.destroy();
      throw toStorageError(err, 'put', key);
    }
    throwIfAborted(opts.signal);
    if (body.size !== undefined && body.size !== total) throw sizeMismatch(key, body.size, total);
    // The object becomes visible in one step, only after the whole body arrived.
    this.#objects.set(key, Buffer.concat(chunks, total));
  }

  /** @inheritDoc */
  async get(key: string, opts: IoOptions & { offset?: number; length?: number } = {}): Promise<Readable> {
    assertValidKey(key);
    throwIfAborted(opts.signal);
    const data = this.#objects.get(key);
    if (!data) throw notFound('get', key);
    const [start, end] = resolveRange(key, data.length, opts.offset, opts.length);
    const view = data.subarray(start, end);
    const step = this.#chunkSize;
    function* chunks(): Generator<Buffer> {
      for (let i = 0; i < view.length; i += step) yield view.subarray(i, Math.min(i + step, view.length));
    }
    const stream = Readable.from(chunks(), { objectMode: false });
    if (opts.signal) addAbortSignal(opts.signal, stream);
    return stream;
  }

  /** @inheritDoc */
  async stat(key: string, opts: IoOptions = {}): Promise<{ size: number } | undefined> {
    assertValidKey(key);
    throwIfAborted(opts.signal);
    const data = this.#objects.get(key);
    return data ? { size: data.length } : undefined;
  }

  /** @inheritDoc */
  async *list(prefix: string, opts: IoOptions = {}): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    // Snapshot the matching keys so concurrent puts/deletes cannot break iteration.
    const keys = [...this.#objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (const key of keys) {
      throwIfAborted(opts.signal);
      const data = this.#objects.get(key);
      if (data) yield { key, size: data.length };
    }
  }

  /** @inheritDoc */
  async delete(key: string, opts: IoOptions = {}): Promise<void> {
    assertValidKey(key);
    throwIfAborted(opts.signal);
    if (!this.#objects.delete(key)) throw notFound('delete', key);
  }

  /**
   * Flips bytes of a stored object in place, for corruption tests: XORs the byte at `offset` with
   * `mask`. Not part of any contract.
   */
  corrupt(key: string, offset = 0, mask = 0xff): void {
    const data = this.#objects.get(key);
    if (!data) throw notFound('corrupt', key);
    const copy = Buffer.from(data);
    const at = Math.min(Math.max(offset, 0), copy.length - 1);
    copy[at] = (copy[at] ?? 0) ^ mask;
    this.#objects.set(key, copy);
  }
}
