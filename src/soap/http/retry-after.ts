/**
 * `Retry-After` (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date.
 * @module
 */

const IMF_OR_RFC850 = /^[A-Za-z]{3,9}, \d{2}[ -][A-Za-z]{3}[ -]\d{2,4} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * The wait a `Retry-After` value asks for, in ms (0 for a date in the past), or `undefined` when
 * the header is absent or not one of the RFC forms. Jetty's DoSFilter (Zimbra's rate limit)
 * sends none; proxies and load balancers in front of Zimbra may.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (v === undefined || v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // Only the three HTTP-date forms: Date.parse alone would also take "5" or "tomorrow-ish" strings.
  let at: number;
  if (IMF_OR_RFC850.test(v)) at = Date.parse(v);
  else if (ASCTIME.test(v))
    at = Date.parse(`${v} GMT`); // asctime has no zone but means GMT
  else return undefined;
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - now);
}
