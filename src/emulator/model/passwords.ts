/**
 * Account passwords as the directory keeps them: `userPassword` holds `{SSHA512}` (or `{SSHA}`)
 * salted hashes, written by CreateAccount/SetPassword (`PasswordUtil.SSHA512.generateSSHA512`,
 * 8-byte salt); a value given verbatim through ModifyAccount or on creation (a restored hash) is
 * kept as it is. A value without a known scheme is compared as plain text, which is what the LDAP
 * bind of `AuthMechanism.ZimbraAuth` does with an unhashed `userPassword`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const SCHEMES: Record<string, { algo: string; digestLen: number }> = {
  '{SSHA512}': { algo: 'sha512', digestLen: 64 },
  '{SSHA}': { algo: 'sha1', digestLen: 20 },
};

/** Encodes a plain password as `{SSHA512}base64(SHA-512(password + salt) + salt)`. */
export function encodePassword(plain: string, salt: Buffer = randomBytes(8)): string {
  const digest = createHash('sha512').update(plain, 'utf8').update(salt).digest();
  return `{SSHA512}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** Whether `plain` matches a stored `userPassword` value. */
export function verifyPassword(stored: string | undefined, plain: string): boolean {
  if (stored === undefined || stored === '') return false;
  for (const [prefix, { algo, digestLen }] of Object.entries(SCHEMES)) {
    if (!stored.startsWith(prefix)) continue;
    const buf = Buffer.from(stored.slice(prefix.length), 'base64');
    if (buf.length <= digestLen) return false;
    const salt = buf.subarray(digestLen);
    const digest = createHash(algo).update(plain, 'utf8').update(salt).digest();
    return timingSafeEqual(digest, buf.subarray(0, digestLen));
  }
  const a = Buffer.from(stored, 'utf8');
  const b = Buffer.from(plain, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Attributes no response carries in clear: `Provisioning.sanitizedAttrValue` answers
 * `VALUE-BLOCKED` for them (lower-cased names).
 */
export const BLOCKED_ATTRS: ReadonlySet<string> = new Set(
  [
    'userPassword',
    'zimbraDataSourcePassword',
    'zimbraFreebusyExchangeAuthPassword',
    'zimbraUCPassword',
    'zimbraTwoFactorAuthSecret',
    'zimbraTwoFactorAuthScratchCodes',
    'zimbraAppSpecificPassword',
    'zimbraTwoFactorAuthTrustedDevices',
    'zimbraDataSourceOAuthToken',
    'zimbraDataSourceOAuthClientSecret',
    'zimbraDataSourceOAuthRefreshToken',
    'zimbraTwoFactorCodeForEmail',
  ].map((a) => a.toLowerCase()),
);
