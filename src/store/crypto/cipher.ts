/**
 * The symmetric cryptography of an encrypted repository (docs/FORMAT.md "Encryption"): sub-keys
 * derived from the master key with HKDF-SHA256, AES-256-GCM sealing with random 96-bit nonces and
 * an AAD naming what the bytes are (so objects cannot be swapped), and keyed-MAC blob ids.
 *
 * ```
 * encKey = HKDF-SHA256(ikm = master key, salt = repository id (ASCII), info = "zimbra-backup/v1/encryption", 32)
 * macKey = HKDF-SHA256(ikm = master key, salt = repository id (ASCII), info = "zimbra-backup/v1/blob-id",    32)
 * sealed = nonce (12) | AES-256-GCM(encKey, nonce, aad) ciphertext | tag (16)
 * blobId = HMAC-SHA256(macKey, SHA-256(content) as 32 raw bytes)   (hex)
 * ```
 * The blob id is a keyed MAC of the content (through its SHA-256, so a blob whose SHA-256 Zimbra
 * already reported can be deduplicated before it is downloaded). Without the key, nobody can
 * compute the id of a known message, so the repository does not reveal which messages it holds.
 * @module
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, type DecipherGCM } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ZimbraBackupError } from '../../errors.js';

/** Bytes of a GCM nonce. */
export const NONCE_SIZE = 12;
/** Bytes of a GCM tag. */
export const TAG_SIZE = 16;
/** Bytes a sealed value is longer than its plaintext (nonce + tag). */
export const SEAL_OVERHEAD = NONCE_SIZE + TAG_SIZE;
/** Bytes of the master key (and of every derived key). */
export const KEY_SIZE = 32;

/** The AAD of the object kinds (docs/FORMAT.md "Encryption", "Associated data"). */
export const aad = {
  /** A blob object inside a pack, named by its (keyed-MAC) id. */
  blob: (blobId: string): Buffer => Buffer.from(`zimbra-backup/v1/blob/${blobId}`, 'ascii'),
  /** The entry table of a pack, named by the pack id. */
  packEntries: (packId: string): Buffer => Buffer.from(`zimbra-backup/v1/pack-entries/${packId}`, 'ascii'),
  /** A whole repository object (index file, journal segment, attributes...), named by its key. */
  object: (key: string): Buffer => Buffer.from(`zimbra-backup/v1/object/${key}`, 'utf8'),
};

/**
 * The keys derived from a repository's master key. Holds no master key itself: only the sub-keys.
 * Create it with {@link RepositoryCipher.fromMasterKey}.
 */
export class RepositoryCipher {
  readonly #encKey: Buffer;
  readonly #macKey: Buffer;

  private constructor(encKey: Buffer, macKey: Buffer) {
    this.#encKey = encKey;
    this.#macKey = macKey;
  }

  /**
   * Derives the encryption and MAC keys of the repository `repositoryId` from its master key.
   * @throws `ZB_INVALID_ARGUMENT` when the master key is not 32 bytes.
   */
  static fromMasterKey(masterKey: Uint8Array, repositoryId: string): RepositoryCipher {
    if (masterKey.length !== KEY_SIZE)
      throw new ZimbraBackupError('a master key is 32 bytes', {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'masterKey' },
      });
    const derive = (info: string): Buffer =>
      Buffer.from(
        hkdfSync('sha256', masterKey, Buffer.from(repositoryId, 'ascii'), Buffer.from(info, 'ascii'), KEY_SIZE),
      );
    return new RepositoryCipher(derive('zimbra-backup/v1/encryption'), derive('zimbra-backup/v1/blob-id'));
  }

  /** The stored id of a blob whose content has the SHA-256 `contentDigest` (hex): HMAC-SHA256, hex. */
  blobId(contentDigest: string): string {
    return createHmac('sha256', this.#macKey).update(Buffer.from(contentDigest, 'hex')).digest('hex');
  }

  /** Encrypts and authenticates `plain` (with `aad`): nonce | ciphertext | tag. */
  seal(plain: Uint8Array, associated: Buffer): Buffer {
    const nonce = randomBytes(NONCE_SIZE);
    const c = createCipheriv('aes-256-gcm', this.#encKey, nonce);
    c.setAAD(associated);
    const body = c.update(plain);
    const last = c.final();
    return Buffer.concat([nonce, body, last, c.getAuthTag()]);
  }

  /**
   * Authenticates and decrypts a sealed value.
   * @throws `ZB_REPOSITORY_CORRUPT` (`data.reason` `authentication-failed`, `data.key` = `key`) when
   *   the bytes, their AAD (another object's bytes moved here) or the key are wrong.
   */
  open(sealed: Uint8Array, associated: Buffer, key: string): Buffer {
    if (sealed.length < SEAL_OVERHEAD) throw authFailed(key, 'shorter than nonce and tag');
    const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length);
    const d = createDecipheriv('aes-256-gcm', this.#encKey, buf.subarray(0, NONCE_SIZE));
    d.setAAD(associated);
    d.setAuthTag(buf.subarray(buf.length - TAG_SIZE));
    const body = d.update(buf.subarray(NONCE_SIZE, buf.length - TAG_SIZE));
    try {
      return Buffer.concat([body, d.final()]);
    } catch {
      throw authFailed(key);
    }
  }

  /** A transform that seals its input as one value (nonce first, tag last): for large blobs and dumps. */
  encryptStream(associated: Buffer): Transform {
    const nonce = randomBytes(NONCE_SIZE);
    const c = createCipheriv('aes-256-gcm', this.#encKey, nonce);
    c.setAAD(associated);
    let started = false;
    return new Transform({
      transform(chunk: Buffer, _enc, cb) {
        if (!started) {
          started = true;
          this.push(nonce);
        }
        cb(null, c.update(chunk));
      },
      flush(cb) {
        if (!started) this.push(nonce);
        this.push(c.final());
        cb(null, c.getAuthTag());
      },
    });
  }

  /**
   * A transform that opens a sealed value streamed through it. Plaintext flows before the tag is
   * checked (the value may be far larger than memory); the stream fails at its end with
   * `ZB_REPOSITORY_CORRUPT` (`authentication-failed`) when it was not authentic, so, as with
   * BlobStore.get, data is unverified until the stream has ended without error.
   */
  decryptStream(associated: Buffer, key: string): Transform {
    return new DecryptStream(this.#encKey, associated, key);
  }
}

/** Streams GCM decryption: takes the nonce from the front, holds back the last 16 bytes as the tag. */
class DecryptStream extends Transform {
  readonly #key: Buffer;
  readonly #aad: Buffer;
  readonly #name: string;
  #head: Buffer = Buffer.alloc(0);
  #decipher: DecipherGCM | undefined;
  #tail: Buffer = Buffer.alloc(0);

  constructor(key: Buffer, associated: Buffer, name: string) {
    super();
    this.#key = key;
    this.#aad = associated;
    this.#name = name;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let data = chunk;
    if (!this.#decipher) {
      this.#head = Buffer.concat([this.#head, data]);
      if (this.#head.length < NONCE_SIZE) return cb();
      this.#decipher = createDecipheriv('aes-256-gcm', this.#key, this.#head.subarray(0, NONCE_SIZE));
      this.#decipher.setAAD(this.#aad);
      data = this.#head.subarray(NONCE_SIZE);
      this.#head = Buffer.alloc(0);
    }
    const all = this.#tail.length > 0 ? Buffer.concat([this.#tail, data]) : data;
    const cut = Math.max(0, all.length - TAG_SIZE);
    this.#tail = Buffer.from(all.subarray(cut));
    cb(null, cut > 0 ? this.#decipher.update(all.subarray(0, cut)) : undefined);
  }

  override _flush(cb: TransformCallback): void {
    if (!this.#decipher || this.#tail.length < TAG_SIZE)
      return cb(authFailed(this.#name, 'shorter than nonce and tag'));
    try {
      this.#decipher.setAuthTag(this.#tail);
      cb(null, this.#decipher.final());
    } catch {
      cb(authFailed(this.#name));
    }
  }
}

/** The error of bytes that fail authentication. */
export function authFailed(key: string, detail?: string): ZimbraBackupError {
  return new ZimbraBackupError(
    `${key} fails authentication (tampered with, damaged, or not of this repository)${detail ? `: ${detail}` : ''}`,
    { code: 'ZB_REPOSITORY_CORRUPT', data: { key, reason: 'authentication-failed' } },
  );
}
