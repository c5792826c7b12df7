/**
 * Admin SOAP answers `VALUE-BLOCKED` instead of userPassword and other secrets
 * (Provisioning.sanitizedAttrValue, admin/ToXML.encodeAttrs): a placeholder that must never be kept
 * as an attribute or written back as a password hash.
 */
import { describe, expect, it } from 'vitest';
import { withoutBlockedValues } from '../../../src/directory/account-attributes.js';
import { passwordHash } from '../../../src/directory/directory-entry.js';

describe('VALUE-BLOCKED placeholders', () => {
  it('are dropped from captured account attributes', () => {
    expect(
      withoutBlockedValues({ userPassword: 'VALUE-BLOCKED', mail: 'a@x', multi: ['VALUE-BLOCKED', 'kept'] }),
    ).toEqual({ mail: 'a@x', multi: ['kept'] });
  });

  it('are no password hash when an old backup kept them', () => {
    const entry = (v: string) => ({ dn: 'uid=a', attributes: { userPassword: [v] } });
    expect(passwordHash(entry('VALUE-BLOCKED'))).toBeUndefined();
    expect(passwordHash(entry('{SSHA512}abc'))).toBe('{SSHA512}abc');
  });
});
