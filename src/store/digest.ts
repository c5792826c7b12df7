/**
 * Content digests: lower-case hex SHA-256 strings that double as object names (restic design.rst),
 * and conversions to Zimbra's own blob digest form (PROTOCOL.md 4c: base64 SHA-256 with `/`
 * replaced by `,`, padded, 44 characters), since both hash the same uncompressed bytes.
 * @module
 */
import { createHash } from 'node:crypto';
import { ZimbraBackupError } from '../errors.js';

/** A lower-case hex SHA-256; produced only by {@link parseDigest} or by hashing. */
export type Digest = string & { readonly __brand: 'Digest' };

const HEX_RE = /^[0-9a-f]{64}$/;
const ZIMBRA_RE = /^[A-Za-z0-9+,]{43}=$/;

/**
 * Validates a hex SHA-256 and brands it; upper-case hex is accepted and lower-cased.
 * @throws `ZB_INVALID_ARGUMENT` when `value` is not 64 hex digits.
 */
export function parseDigest(value: string): Digest {
  const lower = typeof value === 'string' ? value.toLowerCase() : '';
  if (!HEX_RE.test(lower)) {
    throw new ZimbraBackupError(`not a SHA-256 hex digest: ${JSON.stringify(String(value).slice(0, 80))}`, {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'digest' },
    });
  }
  return lower as Digest;
}

/** True when `value` is a well-formed lower-case hex SHA-256. */
export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && HEX_RE.test(value);
}

/** The digest of a hash that has consumed exactly the blob's uncompressed bytes. */
export function digestFromHash(hash: { digest(encoding: 'hex'): string }): Digest {
  return hash.digest('hex') as Digest;
}

/** SHA-256 of an in-memory value (small data only: tests, FORMAT, lock objects). */
export function digestOf(data: Uint8Array | string): Digest {
  return createHash('sha256').update(data).digest('hex') as Digest;
}

/**
 * Converts Zimbra's `blob_digest` (FS-safe base64 SHA-256, 44 chars) to our hex form.
 * @throws `ZB_INVALID_ARGUMENT` for anything else, including the 28-character SHA-1 digests of very
 *   old Zimbra releases (they cannot be compared with SHA-256 content addresses).
 */
export function digestFromZimbra(zimbraDigest: string): Digest {
  if (typeof zimbraDigest !== 'string' || !ZIMBRA_RE.test(zimbraDigest)) {
    throw new ZimbraBackupError('not a Zimbra SHA-256 blob digest (44 chars of FS-safe base64)', {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'zimbraDigest', length: typeof zimbraDigest === 'string' ? zimbraDigest.length : undefined },
    });
  }
  const bytes = Buffer.from(zimbraDigest.replaceAll(',', '/'), 'base64');
  if (bytes.length !== 32) {
    throw new ZimbraBackupError('Zimbra digest does not decode to 32 bytes', {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'zimbraDigest' },
    });
  }
  return bytes.toString('hex') as Digest;
}

/** Converts our hex digest to Zimbra's `blob_digest` form (base64 with `/` replaced by `,`). */
export function digestToZimbra(digest: Digest): string {
  return Buffer.from(parseDigest(digest), 'hex').toString('base64').replaceAll('/', ',');
}
