/**
 * The client's retry rule (SOAP and REST): which failed calls may be repeated, and after how long.
 * Whether a failure is transient at all is the error model's one verdict (`isRetryable` in
 * errors.ts); this file adds what only the wire knows: which errors the HTTP layer vouches for,
 * and whether a request that is not idempotent may be sent again. The delay is the shared
 * backoff (internal/backoff.ts) unless the server sent `Retry-After`.
 * @module
 */
import { ZimbraBackupError, isRetryable } from '../errors.js';
import { backoffDelay, type BackoffOptions } from '../internal/backoff.js';
import { SoapFaultError } from './faults.js';
import { HttpStatusError } from './http/errors.js';

export { backoffDelay, type BackoffOptions } from '../internal/backoff.js';

/** The client's retry policy (see `ZimbraClientOptions`). */
export interface RetryPolicy extends BackoffOptions {
  /** Retries after the first attempt. */
  retries: number;
  /** Longest `Retry-After` honoured, in ms; a longer one is not waited for. */
  retryAfterMaxMs: number;
}

/** Node error codes that prove the request never reached the server (safe to retry any request). */
const NOT_SENT = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether a failed call may be retried: network errors, timeouts, HTTP 429/502/503/504 and
 * `service.TEMPORARILY_UNAVAILABLE`. A request that is not idempotent (it creates something) is
 * retried only when the server cannot have applied it: the connection was never made, or the
 * server's rate limit refused it (429, or 503 with `DoSFilter: unavailable`: Jetty's DoSFilter runs
 * before any servlet, store/conf/web.xml.production maps it to `/*`). A plain 502/503/504 may come
 * from a proxy after Zimbra applied the request, so a restore never adds a message twice.
 */
export function shouldRetry(err: unknown, idempotent: boolean): boolean {
  if (!vouchedFor(err) || !isRetryable(err)) return false;
  return idempotent || notApplied(err);
}

/**
 * The errors the client itself raises and marks: SOAP faults, HTTP statuses, timeouts, and
 * transport errors the HTTP layer marked `retryable` (a request body closed early or an
 * embedder's interceptor failing is not repeated).
 */
function vouchedFor(err: unknown): err is ZimbraBackupError {
  if (err instanceof SoapFaultError || err instanceof HttpStatusError) return true;
  if (!(err instanceof ZimbraBackupError)) return false;
  if (err.code === 'ZB_TIMEOUT') return true;
  return err.code === 'ZB_TRANSPORT' && (err as { retryable?: boolean }).retryable === true;
}

/** True when a retryable failure proves the server did not apply the request. */
function notApplied(err: ZimbraBackupError): boolean {
  // A fault is the server's own answer: service.TEMPORARILY_UNAVAILABLE did nothing.
  if (err instanceof SoapFaultError) return true;
  if (err instanceof HttpStatusError) return err.throttled;
  const errno = err.data['errno'];
  return err.code === 'ZB_TRANSPORT' && typeof errno === 'string' && NOT_SENT.has(errno);
}

/**
 * How long to wait before retry number `attempt` (1-based), or `undefined` to give up: out of
 * retries, not retryable ({@link shouldRetry}), or a `Retry-After` longer than the policy allows.
 * A `Retry-After` is honoured as sent (never shortened: the server said when); without one the
 * backoff grows exponentially up to `maxDelayMs`.
 */
export function retryDelay(
  err: unknown,
  attempt: number,
  idempotent: boolean,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (attempt > policy.retries || !shouldRetry(err, idempotent)) return undefined;
  const hinted = err instanceof ZimbraBackupError ? err.retryAfterMs : undefined;
  if (hinted !== undefined) return hinted > policy.retryAfterMaxMs ? undefined : hinted;
  return backoffDelay(attempt, policy, random);
}
