/**
 * Error helpers shared by the storage backends: one place that turns a Node or SDK error into a
 * `ZB_STORAGE` error with the right `data.transient` flag, so `isRetryable` decides uniformly.
 * @module
 */
import { ZimbraBackupError, isZimbraBackupError } from '../../errors.js';

/** Node errno codes that retrying cannot fix (restic local `Save` marks these permanent). */
const PERMANENT = new Set([
  'ENOSPC',
  'EACCES',
  'EPERM',
  'EROFS',
  'EDQUOT',
  'EISDIR',
  'ENOTDIR',
  'ENAMETOOLONG',
  'EEXIST',
  'EINVAL',
  'EIO',
]);

/** Node errno codes of local I/O worth retrying (resource exhaustion that passes). */
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']);

/**
 * Wraps a low-level error as `ZB_STORAGE` (library errors and aborts pass through unchanged).
 * @param err - The caught error.
 * @param op - Backend operation name, e.g. `'put'`, recorded in `data.op`.
 * @param key - Object key involved, recorded in `data.key`.
 * @returns A {@link ZimbraBackupError}; `data.transient` is true only for errors worth retrying.
 */
export function toStorageError(err: unknown, op: string, key: string): ZimbraBackupError {
  if (isZimbraBackupError(err)) return err;
  if (isAbortError(err)) {
    return new ZimbraBackupError(`${op} aborted`, { code: 'ZB_ABORTED', cause: err, data: { op, key } });
  }
  const errno = (err as { code?: unknown } | undefined)?.code;
  const code = typeof errno === 'string' ? errno : undefined;
  const transient = code !== undefined && TRANSIENT.has(code) && !PERMANENT.has(code);
  const detail = err instanceof Error ? err.message : String(err);
  return new ZimbraBackupError(`storage ${op} failed for ${key}: ${detail}`, {
    code: 'ZB_STORAGE',
    cause: err,
    data: { op, key, transient, ...(code ? { errno: code } : {}) },
  });
}

/** `ZB_BLOB_NOT_FOUND` for a missing object. */
export function notFound(op: string, key: string, cause?: unknown): ZimbraBackupError {
  return new ZimbraBackupError(`object not found: ${key}`, { code: 'ZB_BLOB_NOT_FOUND', cause, data: { op, key } });
}

/** True for the errors Node raises when an AbortSignal fires (`AbortError`, `ABORT_ERR`). */
export function isAbortError(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | undefined;
  return e?.name === 'AbortError' || e?.code === 'ABORT_ERR';
}

/** `ZB_ABORTED` with the signal's reason as cause. */
export function abortedError(op: string, key: string, signal?: AbortSignal): ZimbraBackupError {
  return new ZimbraBackupError(`${op} aborted`, { code: 'ZB_ABORTED', cause: signal?.reason, data: { op, key } });
}

/** `ZB_SIZE_MISMATCH` for a body whose stream length differs from its declared `size`. */
export function sizeMismatch(key: string, expected: number, actual: number): ZimbraBackupError {
  return new ZimbraBackupError(`body of ${key} had ${actual} bytes, declared ${expected}`, {
    code: 'ZB_SIZE_MISMATCH',
    data: { key, expected, actual },
  });
}
