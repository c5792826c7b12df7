/**
 * Content-addressed blob storage: the {@link BlobStore}, digests, and the storage backends
 * (local, memory, retry wrapper; S3 lives in `zimbra-backup/s3`).
 *
 * ```
 * put(source):  hash while streaming -> digest; known or in flight? -> { stored: false }
 *               else backend.put(blobs/ab/cd/<digest>, header + encoded bytes)   (atomic)
 * get(digest):  backend.get -> strip header -> decode -> re-hash -> error at the end if wrong
 * ```
 * Failure modes: ZB_DIGEST_MISMATCH / ZB_SIZE_MISMATCH (damaged or wrong bytes, never returned
 * silently), ZB_BLOB_NOT_FOUND, ZB_REPOSITORY_CORRUPT (bad blob header), ZB_STORAGE (backend,
 * `data.transient` for retryable), ZB_UNSUPPORTED (zstd without zstd-napi), ZB_ABORTED.
 * @module
 */
export {
  BlobStore,
  type BlobSource,
  type BlobStat,
  type BlobStoreOptions,
  type BlobStoreStats,
  type PutOptions,
  type PutResult,
} from './blob-store.js';
export { type Digest, parseDigest, isDigest, digestOf, digestFromZimbra, digestToZimbra } from './digest.js';
export {
  type Compression,
  type BlobHeader,
  BLOB_HEADER_SIZE,
  decodeBlobHeader,
  encodeBlobHeader,
} from './blob-codec.js';
export { type BlobKeyLayout, fanOutBlobLayout } from './blob-key.js';
export { PackStore, DEFAULT_PACK_LAYOUT, type PackLayout, type PackStoreOptions } from './pack/pack-store.js';
export { IndexTable, type BlobLocation } from './pack/index-table.js';
export { RepositoryCipher, SEAL_OVERHEAD } from './crypto/cipher.js';
export { EncryptedBackend, isPlainKey } from './crypto/encrypted-backend.js';
export type {
  StorageBackend,
  ReplayableBody,
  IoOptions,
  BackendPutOptions,
  ObjectInfo,
  BackendProperties,
} from './backends/backend.js';
export { LocalBackend, type LocalBackendOptions } from './backends/local.js';
export { MemoryBackend, type MemoryBackendOptions } from './backends/memory.js';
export { RetryBackend, type RetryBackendOptions } from './backends/retry.js';
