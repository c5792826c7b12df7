/**
 * Typed errors of the HTTP layer: HTTP status, transport (socket, TLS, proxy), timeout and abort.
 * No secret reaches a message, `data` or `cause`: axios errors carry the request config (cookie,
 * SOAP body with the token), so only the underlying Node error is kept as the cause.
 * @module
 */
import { ZimbraBackupError } from '../../errors.js';
import { parseRetryAfter } from './retry-after.js';

/**
 * An HTTP status that is not a success. 429, 502, 503 and 504 may succeed when retried; whether
 * a given request may be repeated is decided by `shouldRetry` (see retry.ts).
 */
export class HttpStatusError extends ZimbraBackupError {
  override name = 'HttpStatusError';
  /** True for 429, 502, 503 and 504 (read by `isRetryable`). */
  readonly retryable: boolean;
  /** The HTTP status. */
  readonly status: number;
  /**
   * True when the server is known to have refused the request before handling it: any 429, or
   * a 503 carrying Jetty DoSFilter's `DoSFilter: unavailable` header (Zimbra before Jetty 9.3
   * rejected with 503). Such a request may be repeated even when it is not idempotent.
   */
  readonly throttled: boolean;

  constructor(status: number, what: string, opts: { retryAfterMs?: number | undefined; throttled?: boolean } = {}) {
    super(`${what}: HTTP ${status}`, {
      code: status === 401 || status === 403 ? 'ZB_AUTH' : 'ZB_TRANSPORT',
      data: { status, ...(opts.retryAfterMs === undefined ? {} : { retryAfterMs: opts.retryAfterMs }) },
      ...(opts.retryAfterMs === undefined ? {} : { retryAfterMs: opts.retryAfterMs }),
    });
    this.status = status;
    this.retryable = status === 429 || status === 502 || status === 503 || status === 504;
    this.throttled = status === 429 || (status === 503 && opts.throttled === true);
  }
}

/** Node/OpenSSL codes of a certificate that does not verify: retrying cannot help. */
const TLS_VERIFY = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The Node error inside an axios error (or the error itself), without request config. */
function rootCause(err: unknown): unknown {
  const e = err as { isAxiosError?: boolean; cause?: unknown } | null;
  if (e && e.isAxiosError === true) return e.cause ?? new Error((err as Error).message);
  return err;
}

/**
 * Wraps a socket-level failure; `data.errno` keeps Node's code. Network errors are retryable
 * (whether the request may be repeated is `shouldRetry`'s call); certificate failures are not.
 */
export function networkError(err: unknown, what: string): ZimbraBackupError {
  if (err instanceof ZimbraBackupError) return err;
  const cause = rootCause(err);
  // Our own typed errors (e.g. a proxy refusing CONNECT) come back wrapped by axios.
  if (cause instanceof ZimbraBackupError) return cause;
  const errno = (cause as { code?: unknown } | null)?.code ?? (err as { code?: unknown } | null)?.code;
  const code = typeof errno === 'string' ? errno : undefined;
  if (code !== undefined && TLS_VERIFY.has(code)) {
    const tls = new ZimbraBackupError(
      `${what}: TLS certificate not trusted (${code}); pass the server's CA (--ca-file / tls.ca)`,
      { code: 'ZB_TRANSPORT', cause, data: { errno: code, tls: true } },
    );
    return Object.assign(tls, { retryable: false });
  }
  const e = new ZimbraBackupError(`${what}: ${code ?? 'network error'}`, {
    code: 'ZB_TRANSPORT',
    cause,
    data: code === undefined ? {} : { errno: code },
  });
  return Object.assign(e, { retryable: true });
}

/** `ZB_ABORTED` carrying the signal's reason. */
export function abortedError(signal: AbortSignal): ZimbraBackupError {
  return new ZimbraBackupError('operation aborted', { code: 'ZB_ABORTED', cause: signal.reason });
}

/** `ZB_TIMEOUT` for a deadline or an idle body. */
export function timeoutError(message: string): ZimbraBackupError {
  return new ZimbraBackupError(message, { code: 'ZB_TIMEOUT' });
}

/**
 * The typed error of a non-success response, with `Retry-After` (seconds or HTTP-date) and
 * Jetty DoSFilter's `DoSFilter: unavailable` marker read from the headers.
 */
export function statusError(
  res: { status: number; headers: Record<string, string | string[] | undefined> },
  what: string,
): HttpStatusError {
  const marker = res.headers['dosfilter'];
  return new HttpStatusError(res.status, what, {
    retryAfterMs: parseRetryAfter(res.headers['retry-after']),
    throttled: (Array.isArray(marker) ? marker[0] : marker)?.trim().toLowerCase() === 'unavailable',
  });
}
