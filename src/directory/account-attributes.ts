/**
 * Which account attributes a restore copies onto a new account: everything the administrator
 * set, minus what the server owns (identity, placement, timestamps, addresses of the original).
 * @module
 */

/** Attributes never copied: the server sets them, or they belong to the original account. */
export const SERVER_OWNED_ACCOUNT_ATTRS: ReadonlySet<string> = new Set(
  [
    'zimbraId',
    'zimbraMailHost',
    'zimbraMailTransport',
    'zimbraCreateTimestamp',
    'uid',
    'mail',
    'objectClass',
    'zimbraMailDeliveryAddress',
    'zimbraMailAlias',
    'zimbraLastLogonTimestamp',
    'zimbraMailboxLocationBeginTime',
    'zimbraPasswordModifiedTime',
    'zimbraAuthTokens',
    'zimbraAuthTokenValidityValue',
    'zimbraCsrfTokenData',
    'zimbraPasswordLockoutFailureTime',
    'zimbraPasswordLockoutLockedTime',
    'zimbraPasswordHistory',
    'userPassword',
    'zimbraMailCanonicalAddress',
    'zimbraPrefAllowAddressForDelegatedSender',
    'zimbraMemberOf',
    'entryUUID',
    'createTimestamp',
    'modifyTimestamp',
    'creatorsName',
    'modifiersName',
    'zimbraPrefFromAddress',
  ].map((a) => a.toLowerCase()),
);

/** The attributes to create a copy of an account with. */
export function copyableAccountAttrs(
  attrs: Record<string, string | string[]> | undefined,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (SERVER_OWNED_ACCOUNT_ATTRS.has(k.toLowerCase())) continue;
    out[k] = Array.isArray(v) ? [...v] : v;
  }
  return out;
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

/** An account's mailbox server (`zimbraMailHost`) from its attributes, single- or multi-valued. */
export function mailHostOf(
  attrs: Readonly<Record<string, string | readonly string[]>> | undefined,
): string | undefined {
  const v = attrs?.['zimbraMailHost'];
  return typeof v === 'string' ? v : v?.[0];
}
