/**
 * Verifying one blob object held in memory (a slice of a pack): header, decode, SHA-256, size.
 * Synchronous zlib on purpose: check and repack run it in a tight loop over a whole pack, which is
 * several times cheaper than a stream pipeline per small blob.
 * @module
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { BLOB_HEADER_SIZE, decodeBlobHeader } from '../blob-codec.js';

/** Outcome of {@link verifyObject}: the decoded size, or why it failed. */
export type ObjectVerdict = { ok: true; size: number } | { ok: false; reason: string; size: number };

/**
 * Decodes and hashes a blob object. Returns undefined for codecs it cannot decode synchronously
 * (zstd): the caller then verifies through the streaming reader.
 */
export function verifyObject(object: Buffer, digest: string, key: string): ObjectVerdict | undefined {
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
      raw = gunzipSync(payload);
    } catch (err) {
      return { ok: false, reason: `cannot be decoded: ${(err as Error).message}`, size: 0 };
    }
  } else return undefined;
  if (header.size !== undefined && header.size !== raw.length)
    return { ok: false, reason: `size ${raw.length} differs from the header's ${header.size}`, size: raw.length };
  const actual = createHash('sha256').update(raw).digest('hex');
  if (actual !== digest) return { ok: false, reason: `content hashes to ${actual}`, size: raw.length };
  return { ok: true, size: raw.length };
}
