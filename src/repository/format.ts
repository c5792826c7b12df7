/**
 * The FORMAT object: the repository's identity and version (docs/FORMAT.md "FORMAT"). Opening
 * checks it and refuses anything it does not fully understand (DESIGN.md invariant 7).
 * @module
 */
import { ZimbraBackupError } from '../errors.js';
import { isCompression, type Compression } from '../store/blob-codec.js';

/** The `format` field of every zimbra-backup repository. */
export const FORMAT_NAME = 'zimbra-backup';
/** The repository format version this library writes for new repositories (it reads 1 and 2). */
export const FORMAT_VERSION = 2;
/** Every format version this library reads. */
export const SUPPORTED_VERSIONS: readonly number[] = [1, 2];
/** Default target size of a v2 pack, in bytes. */
export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;
/** Largest FORMAT object we read, in bytes (it is a few hundred bytes; anything bigger is not ours). */
export const MAX_FORMAT_BYTES = 64 * 1024;

/** Contents of the FORMAT object (versions 1 and 2). */
export interface RepositoryConfig {
  /** Always `'zimbra-backup'`. */
  format: typeof FORMAT_NAME;
  /** Format version: 1 (one object per blob) or 2 (packs + index). */
  version: number;
  /** Random UUID identifying this repository (stable for its life). */
  id: string;
  /** Creation time, ISO 8601 UTC. */
  created: string;
  /** Codec of new blobs. Each blob records its own codec, so this may change over time. */
  compression: Compression;
  /** gzip level of new blobs, 1-9. */
  gzipLevel: number;
  /** Blob layout: `sha256-fanout-2-2` (`blobs/ab/cd/<hex>`, version 1) or `packs` (version 2). */
  blobLayout: 'sha256-fanout-2-2' | 'packs';
  /** Version 2: target size of new packs, in bytes. */
  packSize?: number;
  /** Version 2, encrypted repositories only (docs/FORMAT.md "Encryption"). */
  encryption?: RepositoryEncryption;
}

/** The `encryption` field of an encrypted repository's FORMAT: the one scheme this library knows. */
export interface RepositoryEncryption {
  /** Scheme version: 1. */
  version: 1;
  /** AES-256-GCM with 96-bit random nonces. */
  cipher: 'aes-256-gcm';
  /** Key slots: scrypt password-derived keys (parameters recorded per slot). */
  kdf: 'scrypt';
  /** Blob ids: HMAC-SHA256 of the content's SHA-256 under a derived key. */
  blobIds: 'hmac-sha256';
}

/** The encryption scheme of new encrypted repositories. */
export const ENCRYPTION_V1: Readonly<RepositoryEncryption> = Object.freeze({
  version: 1,
  cipher: 'aes-256-gcm',
  kdf: 'scrypt',
  blobIds: 'hmac-sha256',
});

/** Serialises a config as the FORMAT object's bytes (pretty JSON + newline, for humans who `cat` it). */
export function encodeFormat(config: RepositoryConfig): Buffer {
  return Buffer.from(`${JSON.stringify(config, null, 2)}\n`, 'utf8');
}

/**
 * Parses and validates the FORMAT object.
 * @throws `ZB_NOT_A_REPOSITORY` when `format` names another format; `ZB_FORMAT_UNSUPPORTED` for a
 *   version other than {@link FORMAT_VERSION} (a newer one is never silently rewritten);
 *   `ZB_REPOSITORY_CORRUPT` when it is not valid JSON or a field is missing or malformed.
 */
export function decodeFormat(bytes: Buffer): RepositoryConfig {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw corrupt('FORMAT is not valid JSON', err);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw corrupt('FORMAT is not a JSON object');
  const v = value as Record<string, unknown>;
  if (v['format'] !== FORMAT_NAME) {
    throw new ZimbraBackupError(
      `not a zimbra-backup repository (FORMAT names ${JSON.stringify(String(v['format']).slice(0, 40))})`,
      {
        code: 'ZB_NOT_A_REPOSITORY',
        data: { format: String(v['format']).slice(0, 40) },
      },
    );
  }
  const version = v['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw corrupt('FORMAT version is not a positive integer');
  if (!SUPPORTED_VERSIONS.includes(version)) {
    throw new ZimbraBackupError(
      `repository format version ${version} is not supported (this library reads versions ${SUPPORTED_VERSIONS.join(', ')}); upgrade zimbra-backup`,
      {
        code: 'ZB_FORMAT_UNSUPPORTED',
        data: { version, supported: [...SUPPORTED_VERSIONS] },
      },
    );
  }
  const id = v['id'];
  if (typeof id !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id))
    throw corrupt('FORMAT id is not a UUID');
  const created = v['created'];
  if (typeof created !== 'string' || Number.isNaN(Date.parse(created))) throw corrupt('FORMAT created is not a date');
  const compression = v['compression'];
  if (!isCompression(compression)) throw corrupt('FORMAT compression is unknown');
  const gzipLevel = v['gzipLevel'];
  if (typeof gzipLevel !== 'number' || !Number.isInteger(gzipLevel) || gzipLevel < 1 || gzipLevel > 9)
    throw corrupt('FORMAT gzipLevel is not 1-9');
  const layout = version === 1 ? 'sha256-fanout-2-2' : 'packs';
  if (v['blobLayout'] !== layout) {
    throw new ZimbraBackupError(`unknown blob layout ${JSON.stringify(String(v['blobLayout']).slice(0, 40))}`, {
      code: 'ZB_FORMAT_UNSUPPORTED',
      data: { blobLayout: String(v['blobLayout']).slice(0, 40) },
    });
  }
  if (version === 1 && v['encryption'] !== undefined)
    throw new ZimbraBackupError('format version 1 repositories cannot be encrypted', {
      code: 'ZB_FORMAT_UNSUPPORTED',
      data: { version },
    });
  if (version === 1)
    return { format: FORMAT_NAME, version, id, created, compression, gzipLevel, blobLayout: 'sha256-fanout-2-2' };
  const packSize = v['packSize'];
  if (typeof packSize !== 'number' || !Number.isInteger(packSize) || packSize < 1024 || packSize > 2 ** 32)
    throw corrupt('FORMAT packSize is not an integer between 1 KiB and 4 GiB');
  const base = {
    format: FORMAT_NAME,
    version,
    id,
    created,
    compression,
    gzipLevel,
    blobLayout: 'packs',
    packSize,
  } as const;
  const enc = v['encryption'];
  if (enc === undefined) return base;
  const e = enc as Record<string, unknown> | null;
  if (
    typeof e !== 'object' ||
    e === null ||
    e['version'] !== 1 ||
    e['cipher'] !== 'aes-256-gcm' ||
    e['kdf'] !== 'scrypt' ||
    e['blobIds'] !== 'hmac-sha256'
  )
    throw new ZimbraBackupError(
      'the repository uses an encryption scheme this library does not know; upgrade zimbra-backup',
      {
        code: 'ZB_FORMAT_UNSUPPORTED',
        data: { encryption: JSON.stringify(enc).slice(0, 200) },
      },
    );
  return { ...base, encryption: { ...ENCRYPTION_V1 } };
}

function corrupt(message: string, cause?: unknown): ZimbraBackupError {
  return new ZimbraBackupError(message, { code: 'ZB_REPOSITORY_CORRUPT', cause, data: { key: 'FORMAT' } });
}
