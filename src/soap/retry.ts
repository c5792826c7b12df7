/**
 * Exponential backoff with jitter, and the client's retry rule (SOAP and REST).
 * @module
 */
import { ZimbraBackupError } from '../errors.js';
import { SoapFaultError } from './faults.js';
import { HttpStatusError } from './http/errors.js';

/** Backoff settings. */
export interface BackoffOptions {
  /** First delay, in ms. */
  baseDelayMs: number;
  /** Largest delay, in ms. */
  maxDelayMs: number;
}

/** The client's retry policy (see `ZimbraClientOptions`). */
export interface RetryPolicy extends BackoffOptions {
  /** Retries after the first attempt. */
  retries: number;
  /** Longest `Retry-After` honoured, in ms; a longer one is not waited for. */
  retryAfterMaxMs: number;
}

/** Delay before retry number `attempt` (1-based): uniform in [cap/2, cap], cap = min(max, base * 2^(attempt-1)). */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const cap = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** Resolves after `ms`, or rejects with `ZB_ABORTED` when `signal` fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new ZimbraBackupError('operation aborted', { code: 'ZB_ABORTED', cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ZimbraBackupError('operation aborted', { code: 'ZB_ABORTED', cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
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
  if (err instanceof SoapFaultError) return err.retryable;
  if (err instanceof HttpStatusError) return err.retryable && (idempotent || err.throttled);
  if (!(err instanceof ZimbraBackupError)) return false;
  if (err.code === 'ZB_ABORTED') return false;
  if (err.code === 'ZB_TIMEOUT') return idempotent;
  if (err.code === 'ZB_TRANSPORT' && (err as { retryable?: boolean }).retryable === true) {
    const errno = err.data['errno'];
    return idempotent || (typeof errno === 'string' && NOT_SENT.has(errno));
  }
  return false;
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
