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
 * A whole pack in memory with its entries (packs are bounded by the target size, except a
 * single-blob pack, which callers should read by range instead).
 */
export async function readWholePack(
  backend: StorageBackend,
  key: string,
  opts: IoOptions = {},
  cipher?: RepositoryCipher,
): Promise<{ bytes: Buffer; entries: PackEntry[] }> {
  const sealing = packSealing(key, cipher);
  const bytes = await readSmallObject(backend, key, opts);
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
