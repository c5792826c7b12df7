/**
 * Reading packs without the index: the trailer (two ranged reads) and, for check and sequential
 * readers, a whole pack at once.
 * @module
 */
import type { IoOptions, StorageBackend } from '../backends/backend.js';
import { ZimbraBackupError } from '../../errors.js';
import {
  PACK_ENTRY_SIZE,
  PACK_FOOTER_SIZE,
  PACK_HEADER_SIZE,
  checkPackHeader,
  decodePackEntries,
  decodePackFooter,
  type PackEntry,
} from './pack-format.js';
import { readSmallObject } from './read-object.js';

/**
 * The entries a pack's trailer lists (two ranged reads: the footer, then the entries).
 * @throws `ZB_BLOB_NOT_FOUND` for a missing pack; `ZB_REPOSITORY_CORRUPT` for a damaged trailer.
 */
export async function readPackEntries(
  backend: StorageBackend,
  key: string,
  opts: IoOptions = {},
): Promise<PackEntry[]> {
  const st = await backend.stat(key, opts);
  if (!st) throw new ZimbraBackupError(`pack ${key} is missing`, { code: 'ZB_BLOB_NOT_FOUND', data: { key } });
  if (st.size < PACK_HEADER_SIZE + PACK_FOOTER_SIZE) throw tooShort(key);
  const footer = decodePackFooter(
    await readSmallObject(backend, key, { ...opts, offset: st.size - PACK_FOOTER_SIZE, length: PACK_FOOTER_SIZE }),
    key,
    st.size,
  );
  const len = footer.count * PACK_ENTRY_SIZE;
  const raw =
    len === 0
      ? Buffer.alloc(0)
      : await readSmallObject(backend, key, { ...opts, offset: st.size - PACK_FOOTER_SIZE - len, length: len });
  return decodePackEntries(raw, footer, key, st.size);
}

/**
 * A whole pack in memory with its entries (packs are bounded by the target size, except a
 * single-blob pack, which callers should read by range instead).
 */
export async function readWholePack(
  backend: StorageBackend,
  key: string,
  opts: IoOptions = {},
): Promise<{ bytes: Buffer; entries: PackEntry[] }> {
  const bytes = await readSmallObject(backend, key, opts);
  if (bytes.length < PACK_HEADER_SIZE + PACK_FOOTER_SIZE) throw tooShort(key);
  checkPackHeader(bytes, key);
  const footer = decodePackFooter(bytes.subarray(bytes.length - PACK_FOOTER_SIZE), key, bytes.length);
  const len = footer.count * PACK_ENTRY_SIZE;
  const entries = decodePackEntries(
    bytes.subarray(bytes.length - PACK_FOOTER_SIZE - len, bytes.length - PACK_FOOTER_SIZE),
    footer,
    key,
    bytes.length,
  );
  return { bytes, entries };
}

function tooShort(key: string): ZimbraBackupError {
  return new ZimbraBackupError(`corrupt pack ${key}: shorter than header and footer`, {
    code: 'ZB_REPOSITORY_CORRUPT',
    data: { key, reason: 'short' },
  });
}
