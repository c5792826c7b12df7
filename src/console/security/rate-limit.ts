/**
 * Login rate limiting: a fixed number of failed attempts per client address in a sliding window,
 * plus a global cap so that many addresses cannot guess in parallel either.
 * @module
 */

/** Login rate limits of the console. */
export interface LoginRateLimitOptions {
  /** Failed attempts allowed per address in the window. Default 5. */
  maxFailures?: number;
  /** Failed attempts allowed from all addresses together in the window. Default 50. */
  maxGlobalFailures?: number;
  /** Window length, ms. Default 60,000. */
  windowMs?: number;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** Counts failed logins; {@link LoginRateLimiter.retryAfterMs} says when an address may try again. */
export class LoginRateLimiter {
  readonly #failures = new Map<string, number[]>();
  #global: number[] = [];
  readonly #max: number;
  readonly #maxGlobal: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(opts: LoginRateLimitOptions = {}) {
    this.#max = opts.maxFailures ?? 5;
    this.#maxGlobal = opts.maxGlobalFailures ?? 50;
    this.#windowMs = opts.windowMs ?? 60_000;
    this.#now = opts.now ?? Date.now;
  }

  /** 0 when `address` may attempt a login now, else the ms to wait. */
  retryAfterMs(address: string): number {
    const now = this.#now();
    const since = now - this.#windowMs;
    this.#global = this.#global.filter((t) => t > since);
    const mine = (this.#failures.get(address) ?? []).filter((t) => t > since);
    if (mine.length === 0) this.#failures.delete(address);
    else this.#failures.set(address, mine);
    const waits: number[] = [];
    if (mine.length >= this.#max) waits.push(mine[mine.length - this.#max]! + this.#windowMs - now);
    if (this.#global.length >= this.#maxGlobal)
      waits.push(this.#global[this.#global.length - this.#maxGlobal]! + this.#windowMs - now);
    return waits.length > 0 ? Math.max(1, ...waits) : 0;
  }

  /** Records a failed attempt from `address`. */
  fail(address: string): void {
    const now = this.#now();
    this.#failures.set(address, [...(this.#failures.get(address) ?? []), now]);
    this.#global.push(now);
    // Bound memory under a flood of distinct addresses.
    if (this.#failures.size > 10_000) this.#failures.delete(this.#failures.keys().next().value as string);
  }

  /** Forgets an address's failures after a successful login. */
  succeed(address: string): void {
    this.#failures.delete(address);
  }
}
