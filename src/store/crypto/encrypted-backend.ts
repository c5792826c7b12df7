/**
 * A wrapper backend that encrypts whole objects (docs/FORMAT.md "Encryption", "Whole objects"):
 * index files, journal segments and checkpoints, account attributes, directory dumps, the account
 * index and restore bookkeeping. Packs pass through (their blobs are sealed one by one, so a single
 * blob stays one ranged read), as do the objects that must be readable before the key is known
 * (`FORMAT`, `keys/`) and the lock objects (`locks/`, no secrets, read by `status` and `unlock`).
 *
 * ```
 * object = "ZBEO" | version 1 | 3 zero bytes | nonce (12) | AES-256-GCM ciphertext | tag (16)
 * AAD    = "zimbra-backup/v1/object/" + the object's key
 * ```
 * The key in the AAD stops an object from being moved to another name (a segment of one account
 * replayed into another). Objects are never appended to (the journal writes sealed, write-once
 * segments on this backend, as it does on S3); sizes reported by `stat`/`list` are plaintext sizes.
 * @module
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { ZimbraBackupError } from '../../errors.js';
import type { BackendProperties, IoOptions, ObjectInfo, ReplayableBody, StorageBackend } from '../backends/backend.js';
import { SEAL_OVERHEAD, aad, authFailed, type RepositoryCipher } from './cipher.js';

/** Bytes of the whole-object header. */
export const OBJECT_HEADER_SIZE = 8;
/** Bytes an encrypted object is longer than its plaintext. */
export const OBJECT_OVERHEAD = OBJECT_HEADER_SIZE + SEAL_OVERHEAD;
const MAGIC = Buffer.from('ZBEO', 'latin1');
/** Plaintext held back until authenticated: every object this size or smaller is verified before a byte is read. */
const VERIFY_BEFORE_READ = 64 * 1024 * 1024;

/** Key prefixes (or exact keys) stored as they are. */
const PLAIN = ['FORMAT', 'keys/', 'locks/', 'packs/'];

/** True when the object at `key` is stored in the clear by {@link EncryptedBackend}. */
export function isPlainKey(key: string): boolean {
  return PLAIN.some((p) => (p.endsWith('/') ? key.startsWith(p) : key === p));
}

/** Encrypts every object outside the plain prefixes of another backend. */
export class EncryptedBackend implements StorageBackend {
  /** As the inner backend's. */
  readonly properties: BackendProperties;
  /** The wrapped backend. */
  readonly inner: StorageBackend;
  readonly #cipher: RepositoryCipher;

  /** Wraps `inner`; `cipher` holds the repository's derived keys. */
  constructor(inner: StorageBackend, cipher: RepositoryCipher) {
    this.inner = inner;
    this.#cipher = cipher;
    this.properties = { ...inner.properties };
  }

  /** @inheritDoc */
  put(key: string, body: ReplayableBody, opts: IoOptions = {}): Promise<void> {
    if (isPlainKey(key)) return this.inner.put(key, body, opts);
    const cipher = this.#cipher;
    const header = Buffer.alloc(OBJECT_HEADER_SIZE);
    MAGIC.copy(header);
    header[4] = 1;
    return this.inner.put(
      key,
      {
        ...(body.size === undefined ? {} : { size: body.size + OBJECT_OVERHEAD }),
        open: () => {
          const enc = cipher.encryptStream(aad.object(key));
          const src = body.open();
          src.on('error', (err) => enc.destroy(err));
          src.pipe(enc);
          return Readable.from(
            (async function* () {
              yield header;
              yield* enc;
            })(),
            { objectMode: false },
          );
        },
      },
      opts,
    );
  }

  /** @inheritDoc */
  async get(key: string, opts: IoOptions & { offset?: number; length?: number } = {}): Promise<Readable> {
    if (isPlainKey(key)) return this.inner.get(key, opts);
    const { offset, length, ...io } = opts;
    const raw = await this.inner.get(key, io);
    const out = raw.pipe(new OpenObject(this.#cipher, key));
    raw.on('error', (err) => out.destroy(err));
    if (offset === undefined && length === undefined) return out;
    // Ranges of encrypted objects (small ones: journal segments) are cut from the decrypted whole.
    const chunks: Buffer[] = [];
    for await (const c of out) chunks.push(c as Buffer);
    const all = Buffer.concat(chunks);
    const from = offset ?? 0;
    if (from > all.length)
      throw new ZimbraBackupError(`offset ${from} is past the end of ${key}`, {
        code: 'ZB_INVALID_ARGUMENT',
        data: { key, offset: from },
      });
    return Readable.from([all.subarray(from, length === undefined ? undefined : from + length)]);
  }

  /** @inheritDoc */
  async stat(key: string, opts: IoOptions = {}): Promise<{ size: number } | undefined> {
    const st = await this.inner.stat(key, opts);
    if (!st || isPlainKey(key)) return st;
    return { size: Math.max(0, st.size - OBJECT_OVERHEAD) };
  }

  /** @inheritDoc */
  async *list(prefix: string, opts: IoOptions = {}): AsyncIterable<ObjectInfo> {
    for await (const o of this.inner.list(prefix, opts)) {
      yield isPlainKey(o.key) ? o : { key: o.key, size: Math.max(0, o.size - OBJECT_OVERHEAD) };
    }
  }

  /** @inheritDoc */
  delete(key: string, opts: IoOptions = {}): Promise<void> {
    return this.inner.delete(key, opts);
  }

  /** @inheritDoc */
  async close(): Promise<void> {
    await this.inner.close?.();
  }
}

/**
 * Checks the header, then decrypts. Plaintext is held until the tag is verified for objects up to
 * {@link VERIFY_BEFORE_READ} bytes (every index file, segment and attribute snapshot), so their
 * readers never see a byte that is not authentic; beyond that it streams and fails at the end.
 */
class OpenObject extends Transform {
  readonly #key: string;
  readonly #decrypt: Transform;
  #head: Buffer | undefined = Buffer.alloc(0);
  #held: Buffer[] | undefined = [];
  #heldBytes = 0;

  constructor(cipher: RepositoryCipher, key: string) {
    super();
    this.#key = key;
    this.#decrypt = cipher.decryptStream(aad.object(key), key);
    this.#decrypt.on('data', (c: Buffer) => this.#emit(c));
  }

  #emit(c: Buffer): void {
    if (!this.#held) {
      this.push(c);
      return;
    }
    this.#held.push(c);
    this.#heldBytes += c.length;
    if (this.#heldBytes > VERIFY_BEFORE_READ) {
      for (const h of this.#held) this.push(h);
      this.#held = undefined;
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let data = chunk;
    if (this.#head) {
      this.#head = Buffer.concat([this.#head, data]);
      if (this.#head.length < OBJECT_HEADER_SIZE) return cb();
      if (!this.#head.subarray(0, 4).equals(MAGIC) || this.#head[4] !== 1)
        return cb(authFailed(this.#key, 'not an encrypted object (bad header)'));
      data = this.#head.subarray(OBJECT_HEADER_SIZE);
      this.#head = undefined;
    }
    this.#decrypt.write(data, cb);
  }

  override _flush(cb: TransformCallback): void {
    if (this.#head) return cb(authFailed(this.#key, 'shorter than its header'));
    this.#decrypt.once('error', cb);
    this.#decrypt.once('end', () => {
      for (const h of this.#held ?? []) this.push(h);
      this.#held = undefined;
      cb();
    });
    this.#decrypt.end();
  }
}
