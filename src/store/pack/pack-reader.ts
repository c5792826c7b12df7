/**
 * Reading packs without the index: the trailer (two ranged reads) and, for check and sequential
 * readers, a whole pack at once.
 * @module
 */
import type { IoOptions, StorageBackend } from '../backends/backend.js';
import { ZimbraBackupError } from '../../errors.js';
import type { RepositoryCipher } from '../crypto/cipher.js';
import {
  PACK_FOOTER_SIZE,
  PACK_HEADER_SIZE,
  checkPackHeader,
  decodePackEntries,
  decodePackFooter,
  packTableSize,
  type PackEntry,
  type PackSealing,
} from './pack-format.js';
import { readSmallObject } from './read-object.js';

/** The sealing of the pack at `key` (its id is the last key segment), or undefined without a cipher. */
export function packSealing(key: string, cipher: RepositoryCipher | undefined): PackSealing | undefined {
  return cipher ? { cipher, packId: key.slice(key.lastIndexOf('/') + 1) } : undefined;
}

/**
 * The entries a pack's trailer lists (two ranged reads: the footer, then the entries). Pass the
 * repository's cipher for an encrypted repository.
 * @throws `ZB_BLOB_NOT_FOUND` for a missing pack; `ZB_REPOSITORY_CORRUPT` for a damaged trailer
 *   (or, encrypted, one that fails authentication).
 */
export async function readPackEntries(
  backend: StorageBackend,
  key: string,
  opts: IoOptions = {},
  cipher?: RepositoryCipher,
): Promise<PackEntry[]> {
  const sealing = packSealing(key, cipher);
  const st = await backend.stat(key, opts);
  if (!st) throw new ZimbraBackupError(`pack ${key} is missing`, { code: 'ZB_BLOB_NOT_FOUND', data: { key } });
  if (st.size < PACK_HEADER_SIZE + PACK_FOOTER_SIZE) throw tooShort(key);
  const footer = decodePackFooter(
    await readSmallObject(backend, key, { ...opts, offset: st.size - PACK_FOOTER_SIZE, length: PACK_FOOTER_SIZE }),
    key,
    st.size,
    sealing !== undefined,
  );
  const len = packTableSize(footer.count, sealing !== undefined);
  const raw =
    len === 0
      ? Buffer.alloc(0)
      : await readSmallObject(backend, key, { ...opts, offset: st.size - PACK_FOOTER_SIZE - len, length: len });
  return decodePackEntries(raw, footer, key, st.size, sealing);
}

/**
 * A buffer {@link readWholePack} reads into, reused from one pack to the next (grown as needed).
 * A sequential reader of many packs (`check --full`) then allocates no pack-sized buffer per pack:
 * each would live long enough to reach V8's old generation and be freed only by a full GC.
 */
export class PackReadBuffer {
  /** The bytes; only the part a read returned is meaningful. */
  buf: Buffer = Buffer.alloc(0);
}

/** Reads a whole object into `into` (its previous contents are overwritten). */
async function readInto(backend: StorageBackend, key: string, opts: IoOptions, into: PackReadBuffer): Promise<Buffer> {
  let n = 0;
  for await (const c of await backend.get(key, opts)) {
    const chunk = c as Buffer;
    if (n + chunk.length > into.buf.length) {
      // Never zero-filled: only `[0, n)`, copied here, is ever returned.
      const next = Buffer.allocUnsafeSlow(Math.max(2 * into.buf.length, n + chunk.length, 1024 * 1024));
      into.buf.copy(next, 0, 0, n);
      into.buf = next;
    }
    chunk.copy(into.buf, n);
    n += chunk.length;
  }
  return into.buf.subarray(0, n);
}

/**
 * A whole pack in memory with its entries (packs are bounded by the target size, except a
 * single-blob pack, which callers should read by range instead). With `into`, the bytes are read
 * into that reused buffer and stay valid until its next use.
 */
export async function readWholePack(
  backend: StorageBackend,
  key: string,
  opts: IoOptions = {},
  cipher?: RepositoryCipher,
  into?: PackReadBuffer,
): Promise<{ bytes: Buffer; entries: PackEntry[] }> {
  const sealing = packSealing(key, cipher);
  const bytes = into ? await readInto(backend, key, opts, into) : await readSmallObject(backend, key, opts);
  if (bytes.length < PACK_HEADER_SIZE + PACK_FOOTER_SIZE) throw tooShort(key);
  checkPackHeader(bytes, key, sealing !== undefined);
  const footer = decodePackFooter(
    bytes.subarray(bytes.length - PACK_FOOTER_SIZE),
    key,
    bytes.length,
    sealing !== undefined,
  );
  const len = packTableSize(footer.count, sealing !== undefined);
  const entries = decodePackEntries(
    bytes.subarray(bytes.length - PACK_FOOTER_SIZE - len, bytes.length - PACK_FOOTER_SIZE),
    footer,
    key,
    bytes.length,
    sealing,
  );
  return { bytes, entries };
}

function tooShort(key: string): ZimbraBackupError {
  return new ZimbraBackupError(`corrupt pack ${key}: shorter than header and footer`, {
    code: 'ZB_REPOSITORY_CORRUPT',
    data: { key, reason: 'short' },
  });
}
