/**
 * Verifying one blob object held in memory (a slice of a pack): header, decode, SHA-256, size.
 * Synchronous zlib on purpose: check and repack run it in a tight loop over a whole pack, which is
 * several times cheaper than a stream pipeline per small blob.
 * @module
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { BLOB_HEADER_SIZE, decodeBlobHeader } from '../blob-codec.js';
import { aad, type RepositoryCipher } from '../crypto/cipher.js';

/** Largest decoded size gunzipped into one buffer of that size. */
const SIZED_MAX = 64 * 1024 * 1024;

/** Outcome of {@link verifyObject}: the decoded size and the plaintext object, or why it failed. */
export type ObjectVerdict = { ok: true; size: number; object: Buffer } | { ok: false; reason: string; size: number };

/**
 * Decodes and hashes a stored blob object (`stored`, as it is in the pack). `id` is the blob's
 * stored id: its SHA-256, or with `cipher` (an encrypted repository) the keyed MAC of it; the
 * object is then first authenticated and decrypted. Returns undefined for codecs it cannot decode
 * synchronously (zstd): the caller then verifies through the streaming reader.
 */
export function verifyObject(
  stored: Buffer,
  id: string,
  key: string,
  cipher?: RepositoryCipher,
): ObjectVerdict | undefined {
  let object = stored;
  if (cipher) {
    try {
      object = cipher.open(stored, aad.blob(id), key);
    } catch (err) {
      return { ok: false, reason: (err as Error).message, size: 0 };
    }
  }
  let header;
  try {
    header = decodeBlobHeader(object, key);
  } catch (err) {
    return { ok: false, reason: (err as Error).message, size: 0 };
  }
  const payload = object.subarray(BLOB_HEADER_SIZE);
  let raw: Buffer;
  if (header.codec === 'none') raw = payload;
  else if (header.codec === 'gzip') {
    try {
      // Output sized from the header (one buffer, not 16 KiB pieces concatenated at the end); a
      // damaged header cannot make it allocate more than gzip's ~1032:1 ratio allows, or 64 MiB.
      const sized = header.size !== undefined && header.size <= Math.min(SIZED_MAX, payload.length * 1032);
      raw = gunzipSync(payload, sized ? { chunkSize: Math.max(64, (header.size as number) + 1) } : {});
    } catch (err) {
      return { ok: false, reason: `cannot be decoded: ${(err as Error).message}`, size: 0 };
    }
  } else return undefined;
  if (header.size !== undefined && header.size !== raw.length)
    return { ok: false, reason: `size ${raw.length} differs from the header's ${header.size}`, size: raw.length };
  const sha = createHash('sha256').update(raw).digest('hex');
  const actual = cipher ? cipher.blobId(sha) : sha;
  if (actual !== id)
    return { ok: false, reason: `content hashes to ${cipher ? 'the id ' : ''}${actual}`, size: raw.length };
  return { ok: true, size: raw.length, object };
}
