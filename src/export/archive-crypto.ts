/**
 * Password-encrypted export archives (`export --encrypt`; docs/FORMAT.md "Encrypted archives"):
 * the archive's bytes (tar or tar.gz) in an authenticated stream of chunks, so an importer verifies
 * each megabyte before using it and a truncated, reordered or altered archive fails.
 *
 * ```
 * header  96 bytes: "ZBEA" | version 1 | 3 zero | scrypt N u32 | r u32 | p u32 | salt (32)
 *                   | nonce prefix (8) | chunk size u32 | key check (32)
 * chunks  ciphertext of `chunk size` plaintext bytes | tag (16); the last chunk holds 1 to `chunk
 *         size` bytes (0 only for an empty archive) and is sealed with the final flag
 * key     = HKDF-SHA256(scrypt(password, salt, N, r, p, 32), salt "", info "zimbra-backup/v1/archive", 32)
 * check   = HMAC-SHA256(key, the first 64 header bytes)   (a wrong password is told from damage)
 * chunk i = AES-256-GCM(key, nonce = prefix | i as u32 BE, AAD = header (96) | final flag u8)
 * ```
 * @module
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ZimbraBackupError } from '../errors.js';
import type { Secret } from '../internal/secret.js';
import { DEFAULT_SCRYPT, deriveScryptKey, type ScryptParams } from '../repository/keys/key-slots.js';

/** First bytes of an encrypted archive. */
export const ENCRYPTED_ARCHIVE_MAGIC = Buffer.from('ZBEA', 'latin1');
const HEADER = 96;
const TAG = 16;
const CHUNK = 1024 * 1024;

/** Options of {@link encryptArchiveStream}. */
export interface ArchiveEncryptionOptions {
  /** The password (read it from a file or the environment). */
  password: string | Secret;
  /** scrypt parameters. Default: N=32768, r=8, p=1. */
  kdf?: ScryptParams;
  /** Plaintext bytes per chunk. Default: 1 MiB. */
  chunkSize?: number;
}

async function archiveKey(password: string | Secret, salt: Buffer, kdf: ScryptParams): Promise<Buffer> {
  const stretched = await deriveScryptKey(password, salt, kdf);
  return Buffer.from(hkdfSync('sha256', stretched, Buffer.alloc(0), Buffer.from('zimbra-backup/v1/archive'), 32));
}

function check(key: Buffer, head: Buffer): Buffer {
  return createHmac('sha256', key).update(head.subarray(0, 64)).digest();
}

function nonce(prefix: Buffer, i: number): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0, 0, 8);
  n.writeUInt32BE(i, 8);
  return n;
}

function chunkAad(header: Buffer, final: boolean): Buffer {
  return Buffer.concat([header, Buffer.from([final ? 1 : 0])]);
}

/**
 * A transform that encrypts an archive's bytes (see the module doc); pipe the archive through it.
 * The key is derived before the first byte is written.
 */
export async function encryptArchiveStream(opts: ArchiveEncryptionOptions): Promise<Transform> {
  const kdf = opts.kdf ?? DEFAULT_SCRYPT;
  const chunkSize = opts.chunkSize ?? CHUNK;
  const salt = randomBytes(32);
  const key = await archiveKey(opts.password, salt, kdf);
  const header = Buffer.alloc(HEADER);
  ENCRYPTED_ARCHIVE_MAGIC.copy(header);
  header[4] = 1;
  header.writeUInt32BE(kdf.N, 8);
  header.writeUInt32BE(kdf.r, 12);
  header.writeUInt32BE(kdf.p, 16);
  salt.copy(header, 20);
  const prefix = randomBytes(8);
  prefix.copy(header, 52);
  header.writeUInt32BE(chunkSize, 60);
  check(key, header).copy(header, 64);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;
  const seal = (plain: Buffer, final: boolean): Buffer => {
    const c = createCipheriv('aes-256-gcm', key, nonce(prefix, index++));
    c.setAAD(chunkAad(header, final));
    return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  };
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (!started) {
        started = true;
        this.push(header);
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      // Keep at least one byte back: the final chunk must be sealed as final.
      while (pendingBytes > chunkSize) {
        const all = Buffer.concat(pending);
        this.push(seal(all.subarray(0, chunkSize), false));
        pending = [all.subarray(chunkSize)];
        pendingBytes = all.length - chunkSize;
      }
      cb();
    },
    flush(cb: TransformCallback) {
      if (!started) this.push(header);
      cb(null, seal(Buffer.concat(pending), true));
    },
  });
}

/**
 * A transform that decrypts an encrypted archive (see the module doc), verifying every chunk
 * before it passes it on.
 * @throws (as a stream error) `ZB_KEY_INVALID` for a wrong password; `ZB_ARCHIVE_INVALID` for a
 *   stream that is not an encrypted archive, or is damaged, truncated or reordered.
 */
export function decryptArchiveStream(password: string | Secret): Transform {
  let head: Buffer = Buffer.alloc(0);
  let header: Buffer | undefined;
  let key: Buffer | undefined;
  let chunkSize = 0;
  let buf: Buffer = Buffer.alloc(0);
  let index = 0;
  const open = (sealed: Buffer, final: boolean): Buffer => {
    const h = header as Buffer;
    const d = createDecipheriv('aes-256-gcm', key as Buffer, nonce(h.subarray(52, 60), index++));
    d.setAAD(chunkAad(h, final));
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    const out = d.update(sealed.subarray(0, sealed.length - TAG));
    try {
      return Buffer.concat([out, d.final()]);
    } catch {
      throw invalid(`chunk ${index - 1} fails authentication (damaged, truncated or reordered archive)`);
    }
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      (async () => {
        if (!header) {
          head = Buffer.concat([head, chunk]);
          if (head.length < HEADER) return;
          header = Buffer.from(head.subarray(0, HEADER));
          if (!header.subarray(0, 4).equals(ENCRYPTED_ARCHIVE_MAGIC) || header[4] !== 1)
            throw invalid('not an encrypted zimbra-backup archive (bad header)');
          const kdf = { N: header.readUInt32BE(8), r: header.readUInt32BE(12), p: header.readUInt32BE(16) };
          chunkSize = header.readUInt32BE(60);
          if (chunkSize < 1024 || chunkSize > 64 * 1024 * 1024) throw invalid('chunk size out of range');
          key = await archiveKey(password, header.subarray(20, 52), kdf).catch((err: unknown) => {
            throw invalid(`bad key derivation parameters: ${(err as Error).message}`);
          });
          if (!timingSafeEqual(check(key, header), header.subarray(64, 96)))
            throw new ZimbraBackupError('the password does not open this archive (or its header is damaged)', {
              code: 'ZB_KEY_INVALID',
            });
          chunk = head.subarray(HEADER);
        }
        buf = buf.length > 0 ? Buffer.concat([buf, chunk]) : chunk;
        const full = chunkSize + TAG;
        while (buf.length > full) {
          this.push(open(buf.subarray(0, full), false));
          buf = buf.subarray(full);
        }
      })().then(() => cb(), cb);
    },
    flush(cb: TransformCallback) {
      try {
        if (!header) throw invalid('shorter than its header');
        if (buf.length < TAG) throw invalid('truncated (no final chunk)');
        cb(null, open(buf, true));
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}

function invalid(why: string): ZimbraBackupError {
  return new ZimbraBackupError(`encrypted archive: ${why}`, { code: 'ZB_ARCHIVE_INVALID', data: { reason: why } });
}
