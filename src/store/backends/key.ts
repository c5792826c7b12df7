/**
 * Object-key rules shared by every backend in this package. Callers (the repository layout) already
 * build keys from validated parts; backends check again because a key that escapes the root would
 * be a write outside the repository (DESIGN.md invariant 5).
 * @module
 */
import { ZimbraBackupError } from '../../errors.js';

/** Longest accepted key, in characters (S3 allows 1024 bytes). */
export const MAX_KEY_LENGTH = 1024;

/**
 * Throws `ZB_UNSAFE_PATH` unless `key` is a safe repository-relative key: non-empty, '/'-separated,
 * no empty, `.` or `..` segment, no segment starting with `.` (reserved for backend temp files),
 * no NUL or backslash, at most {@link MAX_KEY_LENGTH} characters.
 */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH)
    throw unsafe(key, 'empty or too long');
  if (key.includes('\0') || key.includes('\\')) throw unsafe(key, 'NUL or backslash');
  for (const seg of key.split('/')) {
    if (seg.length === 0) throw unsafe(key, 'empty segment');
    if (seg.startsWith('.')) throw unsafe(key, 'segment starts with "."');
  }
}

/** Throws `ZB_UNSAFE_PATH` unless `prefix` is a safe list prefix (empty, or a key or key prefix). */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  if (prefix.length > MAX_KEY_LENGTH || prefix.includes('\0') || prefix.includes('\\') || prefix.startsWith('/')) {
    throw unsafe(prefix, 'invalid prefix');
  }
  for (const seg of prefix.split('/')) if (seg === '..' || seg === '.') throw unsafe(prefix, 'dot segment');
}

function unsafe(key: string, why: string): ZimbraBackupError {
  // Only the first 200 characters go into the error: hostile keys can be huge.
  const shown = String(key).slice(0, 200);
  return new ZimbraBackupError(`unsafe object key (${why}): ${JSON.stringify(shown)}`, {
    code: 'ZB_UNSAFE_PATH',
    data: { key: shown },
  });
}

/**
 * Resolves `[offset, offset+length)` against an object of `size` bytes: the range is clamped to the
 * end of the object; a negative or non-integer offset/length, or an offset past the end, is
 * `ZB_INVALID_ARGUMENT`.
 */
export function resolveRange(key: string, size: number, offset?: number, length?: number): [number, number] {
  const start = offset ?? 0;
  if (!Number.isInteger(start) || start < 0 || start > size) {
    throw new ZimbraBackupError(`invalid range offset ${start} for ${key} (size ${size})`, {
      code: 'ZB_INVALID_ARGUMENT',
      data: { key, offset, length, size },
    });
  }
  if (length !== undefined && (!Number.isInteger(length) || length < 0)) {
    throw new ZimbraBackupError(`invalid range length ${length} for ${key}`, {
      code: 'ZB_INVALID_ARGUMENT',
      data: { key, offset, length, size },
    });
  }
  const end = length === undefined ? size : Math.min(size, start + length);
  return [start, end];
}
