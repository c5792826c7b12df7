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

/**
 * What a real server answers instead of a secret attribute's value (userPassword and the like,
 * `Provisioning.sanitizedAttrValue`); a placeholder, never a value to keep or restore.
 */
export const VALUE_BLOCKED = 'VALUE-BLOCKED';

/** The attributes without `VALUE-BLOCKED` placeholders (an attribute left with no value is dropped). */
export function withoutBlockedValues(attrs: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (Array.isArray(v)) {
      const kept = v.filter((x) => x !== VALUE_BLOCKED);
      if (kept.length > 0) out[k] = kept;
    } else if (v !== VALUE_BLOCKED) out[k] = v;
  }
  return out;
}
