/**
 * Zimbra's request-rate limit, off unless switched on. Every mailbox webapp runs Jetty's DoSFilter
 * (store/conf/web.xml.production; store/src/java/com/zimbra/cs/servlet/DoSFilter.java) with
 * `maxRequestsPerSec` = `zimbraHttpDosFilterMaxRequestsPerSec` (default 30), `delayMs` =
 * `zimbraHttpDosFilterDelayMillis` (default -1: reject at once) and `remotePort=true`. A request is
 * tracked by the auth token's account when an auth cookie is present
 * (ZimbraQoSFilter.extractUserId), otherwise per connection (client address and port). Over the
 * rate, the request is refused with HTTP 429 and no Retry-After. Jetty's RateTracker keeps the
 * times of the last N requests: the N-th previous one less than a second ago means over the rate.
 *
 * Deliberate difference: Zimbra exempts loopback and its own servers (the whitelist in
 * DoSFilter.java); the emulator, which only listens on loopback, applies the limit to everyone.
 */

/** Options of the rate limit. */
export interface DosFilterOptions {
  /** `zimbraHttpDosFilterMaxRequestsPerSec` (Zimbra's default: 30). */
  maxRequestsPerSec: number;
}

/** The limit's state: one ring of request times per tracked key. */
export class DosFilter {
  #max = 0;
  readonly #rings = new Map<string, { times: number[]; next: number }>();
  /** Requests refused so far. */
  rejected = 0;

  /** Switches the limit on (options) or off (undefined); clears the trackers. */
  configure(opts: DosFilterOptions | undefined): void {
    if (opts !== undefined && (!Number.isInteger(opts.maxRequestsPerSec) || opts.maxRequestsPerSec < 1))
      throw new RangeError('maxRequestsPerSec must be an integer >= 1');
    this.#max = opts?.maxRequestsPerSec ?? 0;
    this.#rings.clear();
    this.rejected = 0;
  }

  /** True when the limit is on. */
  get enabled(): boolean {
    return this.#max > 0;
  }

  /** Records one request of `key`; true when it is over the rate (refuse it with 429). */
  overRate(key: string, now = Date.now()): boolean {
    if (this.#max === 0) return false;
    let ring = this.#rings.get(key);
    if (!ring) {
      ring = { times: new Array<number>(this.#max).fill(0), next: 0 };
      this.#rings.set(key, ring);
    }
    const last = ring.times[ring.next]!;
    ring.times[ring.next] = now;
    ring.next = (ring.next + 1) % this.#max;
    const over = last !== 0 && now - last < 1000;
    if (over) this.rejected++;
    return over;
  }
}
