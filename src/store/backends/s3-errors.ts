import { ZimbraBackupError } from '../../errors.js';

/** What the S3 backend was doing when an error happened; becomes the error's `data`. */
export interface S3ErrorContext {
  /** Backend operation: `put`, `get`, `stat`, `list` or `delete`. */
  op: string;
  /** Bucket the request went to. */
  bucket: string;
  /** Repository-relative key or list prefix. */
  key?: string;
  /** The caller's signal: an error after it fired is reported as `ZB_ABORTED`. */
  signal?: AbortSignal | undefined;
}

// Error names S3 (and S3-compatible servers) use for "try again later". SlowDown is S3's
// throttling reply (503); the SDK names timeouts TimeoutError.
const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'InternalError',
  'TimeoutError',
]);

// Node socket-level failures: the request may not have reached the server, or its reply was cut.
const TRANSIENT_ERRNO = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

// 404s that mean "the object is missing". NoSuchBucket and NoSuchUpload are 404 too, but they are
// configuration or protocol failures that must not pass for an absent blob.
const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound']);

interface SdkErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { headers?: Record<string, unknown> };
}

/** The HTTP status of an SDK error, when it carries one. */
export function s3HttpStatus(err: unknown): number | undefined {
  const status = (err as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

function errorName(err: SdkErrorShape): string {
  if (typeof err.Code === 'string') return err.Code;
  if (typeof err.name === 'string') return err.name;
  return 'Error';
}

function retryAfterMs(err: SdkErrorShape): number | undefined {
  const header = err.$response?.headers?.['retry-after'];
  const seconds = typeof header === 'string' ? Number(header) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** True when an SDK error says the object does not exist. */
export function isS3NotFound(err: unknown): boolean {
  const e = err as SdkErrorShape | undefined;
  if (e === undefined || e === null) return false;
  const name = errorName(e);
  if (NOT_FOUND_NAMES.has(name)) return true;
  return s3HttpStatus(err) === 404 && name !== 'NoSuchBucket' && name !== 'NoSuchUpload';
}

/** True when retrying the request that failed with `err` may succeed. */
export function isS3Transient(err: unknown): boolean {
  const e = err as SdkErrorShape | undefined;
  if (e === undefined || e === null) return false;
  const status = s3HttpStatus(err);
  if (status !== undefined && (status >= 500 || status === 429 || status === 408)) return true;
  if (TRANSIENT_NAMES.has(errorName(e))) return true;
  if (e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false) return true;
  return typeof e.code === 'string' && TRANSIENT_ERRNO.has(e.code);
}

/**
 * Maps anything the AWS SDK, lib-storage or a stream throws to the library's error model:
 * abort -> `ZB_ABORTED`; missing object -> `ZB_BLOB_NOT_FOUND`; 5xx, throttling, timeouts and
 * socket failures -> `ZB_STORAGE` with `data.transient = true`; anything else -> permanent
 * `ZB_STORAGE`. Library errors pass through unchanged. The message names the operation, key and
 * S3 error code, never credentials (the SDK never puts them in its errors).
 */
export function toS3Error(err: unknown, ctx: S3ErrorContext): ZimbraBackupError {
  if (err instanceof ZimbraBackupError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const data: Record<string, unknown> = { op: ctx.op, bucket: ctx.bucket };
  if (ctx.key !== undefined) data['key'] = ctx.key;
  if (ctx.signal?.aborted === true || errorName(e) === 'AbortError') {
    return new ZimbraBackupError(`S3 ${ctx.op} aborted`, { code: 'ZB_ABORTED', cause: err, data });
  }
  const name = errorName(e);
  const status = s3HttpStatus(err);
  data['s3Code'] = name;
  if (status !== undefined) data['status'] = status;
  const what = ctx.key === undefined ? '' : ` "${ctx.key}"`;
  const detail = typeof e.message === 'string' && e.message !== '' ? `: ${e.message}` : '';
  if (isS3NotFound(err)) {
    return new ZimbraBackupError(`S3 object${what} not found`, { code: 'ZB_BLOB_NOT_FOUND', cause: err, data });
  }
  const transient = isS3Transient(err);
  data['transient'] = transient;
  const statusText = status === undefined ? '' : ` (HTTP ${status})`;
  return new ZimbraBackupError(`S3 ${ctx.op}${what} failed with ${name}${statusText}${detail}`, {
    code: 'ZB_STORAGE',
    cause: err,
    data,
    retryAfterMs: transient ? retryAfterMs(e) : undefined,
  });
}
