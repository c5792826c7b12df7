/**
 * The one backoff formula: exponential growth with jitter, capped. Used by the SOAP/REST client's
 * retries (soap/retry.ts) and the storage retry wrapper (store/backends/retry.ts).
 * @module
 */

/** Backoff settings. */
export interface BackoffOptions {
  /** First delay, in ms. */
  baseDelayMs: number;
  /** Largest delay, in ms. */
  maxDelayMs: number;
}

/**
 * Delay before retry number `attempt` (1-based): uniform in [cap/2, cap], cap = min(max, base *
 * 2^(attempt-1)). Half the cap is kept so that a burst of clients spreads out without a retry
 * ever coming at once ("equal jitter").
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const cap = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}
