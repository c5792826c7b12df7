/**
 * Exponential backoff with full jitter, and the SOAP client's retry rule.
 * @module
 */
import { ZimbraBackupError } from '../errors.js';
import { SoapFaultError } from './faults.js';
import { HttpStatusError } from './http-client.js';

/** Backoff settings. */
export interface BackoffOptions {
  /** First delay, in ms. */
  baseDelayMs: number;
  /** Largest delay, in ms. */
  maxDelayMs: number;
}

/** Delay before retry number `attempt` (1-based): uniform in [0, min(max, base * 2^(attempt-1))]. */
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
 * Whether a failed SOAP call may be retried: network errors, timeouts, HTTP 502/503/504 and
 * `service.TEMPORARILY_UNAVAILABLE`. A request that is not idempotent (it creates something) is
 * retried after a network error only when the connection was never made, so a restore never
 * adds a message twice.
 */
export function shouldRetry(err: unknown, idempotent: boolean): boolean {
  if (err instanceof SoapFaultError) return err.retryable;
  if (err instanceof HttpStatusError) return err.retryable;
  if (!(err instanceof ZimbraBackupError)) return false;
  if (err.code === 'ZB_ABORTED') return false;
  if (err.code === 'ZB_TIMEOUT') return idempotent;
  if (err.code === 'ZB_TRANSPORT' && (err as { retryable?: boolean }).retryable === true) {
    const errno = err.data['errno'];
    return idempotent || (typeof errno === 'string' && NOT_SENT.has(errno));
  }
  return false;
}
