/**
 * Account attribute snapshots: which changes deserve a new journal record.
 * @module
 */

/** Attributes the server rewrites on its own (logins, counters): a change of these alone is noise. */
const VOLATILE = new Set([
  'zimbraLastLogonTimestamp',
  'zimbraMailboxLocationBeginTime',
  'zimbraPasswordLockoutFailureTime',
  'zimbraAuthTokenValidityValue',
]);

function normalise(attrs: Record<string, string | string[]> | undefined): string {
  if (!attrs) return '';
  const out: Record<string, string[]> = {};
  for (const k of Object.keys(attrs).sort()) {
    if (VOLATILE.has(k)) continue;
    const v = attrs[k];
    out[k] = (Array.isArray(v) ? [...v] : [v ?? '']).sort();
  }
  return JSON.stringify(out);
}

/** True when `next` differs from `prev` in anything but volatile attributes. */
export function attributesChanged(
  prev: Record<string, string | string[]> | undefined,
  next: Record<string, string | string[]>,
): boolean {
  return normalise(prev) !== normalise(next);
}
