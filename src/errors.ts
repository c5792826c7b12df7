/**
 * One error model for the whole library: every error thrown by zimbra-backup is a
 * {@link ZimbraBackupError} with a stable `code`; SOAP faults keep Zimbra's own code verbatim.
 * @module
 */

/** Library error codes (`ZB_` + SCREAMING_SNAKE). Stable: scripts branch on them. */
export type ErrorCode =
  | 'ZB_DIGEST_MISMATCH'
  | 'ZB_SIZE_MISMATCH'
  | 'ZB_TOO_LARGE'
  | 'ZB_BLOB_NOT_FOUND'
  | 'ZB_NOT_FOUND'
  | 'ZB_JOURNAL_CORRUPT'
  | 'ZB_REPOSITORY_CORRUPT'
  | 'ZB_FORMAT_UNSUPPORTED'
  | 'ZB_NOT_A_REPOSITORY'
  | 'ZB_LOCK_HELD'
  | 'ZB_LOCK_LOST'
  | 'ZB_UNSAFE_PATH'
  | 'ZB_TRANSPORT'
  | 'ZB_TIMEOUT'
  | 'ZB_ABORTED'
  | 'ZB_PROTOCOL'
  | 'ZB_SOAP_FAULT'
  | 'ZB_AUTH'
  | 'ZB_INVALID_ARGUMENT'
  | 'ZB_STORAGE'
  | 'ZB_LDAP'
  | 'ZB_ARCHIVE_INVALID'
  | 'ZB_CONFLICT'
  | 'ZB_TARGET_EXISTS'
  | 'ZB_UNSUPPORTED'
  /** The repository is encrypted and no password (key) was given. */
  | 'ZB_KEY_REQUIRED'
  /** The password opens none of the repository's key slots (or an archive's key). */
  | 'ZB_KEY_INVALID'
  /** A bug or an unexpected non-library error (what the CLI, the daemon and the console report for it). */
  | 'ZB_INTERNAL';

/** Options accepted by every library error. */
export interface ZimbraBackupErrorOptions {
  /** The stable error code. */
  code: ErrorCode;
  /** The underlying error, kept reachable for callers that branch on it. */
  cause?: unknown;
  /** Structured context (accountId, itemId, key, op...). Never secrets. */
  data?: Record<string, unknown>;
  /** For throttling or transient failures: how long to wait before retrying, in ms. */
  retryAfterMs?: number;
}

/** Base class of every error the library throws. */
export class ZimbraBackupError extends Error {
  override name = 'ZimbraBackupError';
  /** Stable error code. */
  readonly code: ErrorCode;
  /** Structured context; safe to log (never contains secrets). */
  readonly data: Readonly<Record<string, unknown>>;
  /** Suggested wait before retrying, in ms, when the failure is transient. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, opts: ZimbraBackupErrorOptions) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = opts.code;
    this.data = opts.data ?? {};
    this.retryAfterMs = opts.retryAfterMs;
  }

  /** A JSON form for `--json` output and logs. */
  toJSON(): { name: string; code: string; message: string; data: Readonly<Record<string, unknown>> } {
    return { name: this.name, code: this.code, message: this.message, data: this.data };
  }
}

/** True when `err` is a library error, optionally with the given code. */
export function isZimbraBackupError(err: unknown, code?: string): err is ZimbraBackupError {
  return (
    err instanceof ZimbraBackupError &&
    (code === undefined || err.code === code || (err as { faultCode?: string }).faultCode === code)
  );
}

/** Node error codes of local I/O that retrying cannot fix. */
const PERMANENT_ERRNO = new Set(['ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EDQUOT', 'ENOENT', 'EISDIR', 'ENOTDIR']);
/** Node error codes of network failures worth retrying. */
const TRANSIENT_ERRNO = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/**
 * Decides, in one place, whether an operation that failed with `err` may succeed if retried.
 * Transport errors, timeouts and 5xx are retryable; SOAP faults (except
 * `service.TEMPORARILY_UNAVAILABLE`), 4xx, ENOSPC and EACCES are permanent.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ZimbraBackupError) {
    if ((err as { retryable?: boolean }).retryable !== undefined)
      return Boolean((err as { retryable?: boolean }).retryable);
    if (err.code === 'ZB_TRANSPORT' || err.code === 'ZB_TIMEOUT') {
      const status = err.data['status'];
      return typeof status !== 'number' || status >= 500 || status === 429 || status === 408;
    }
    if (err.code === 'ZB_STORAGE') return err.data['transient'] === true;
    return false;
  }
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') {
    if (PERMANENT_ERRNO.has(code)) return false;
    if (TRANSIENT_ERRNO.has(code)) return true;
  }
  return false;
}

/** Throws `ZB_ABORTED` when the signal is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new ZimbraBackupError('operation aborted', { code: 'ZB_ABORTED', cause: signal.reason });
  }
}
