import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyEntry, getAttributeValues, isBinaryAttribute, normalizeValue } from '../../../src/directory/index.js';
import { dnKey, orderParentsFirst, parentDnKey, splitDN } from '../../../src/directory/directory-entry.js';
import { generateSchema } from '../../../scripts/gen-ldap-schema.js';

describe('directory entries', () => {
  it('classifies by Zimbra object class, case-insensitively, resources before accounts', () => {
    const kind = (...oc: string[]): string => classifyEntry({ dn: 'x=y', attributes: { objectclass: oc } });
    expect(kind('inetOrgPerson', 'zimbraAccount')).toBe('account');
    expect(kind('inetOrgPerson', 'zimbraAccount', 'ZIMBRACALENDARRESOURCE')).toBe('calendarResource');
    expect(kind('dcObject', 'organization', 'zimbraDomain')).toBe('domain');
    expect(kind('zimbraCOS')).toBe('cos');
    expect(kind('zimbraServer')).toBe('server');
    expect(kind('organizationalRole', 'zimbraGlobalConfig')).toBe('globalConfig');
    expect(kind('zimbraDistributionList', 'zimbraMailRecipient')).toBe('distributionList');
    expect(kind('groupOfURLs', 'dgIdentityAux', 'zimbraGroup')).toBe('dynamicGroup');
    expect(kind('zimbraAlias')).toBe('alias');
    expect(kind('organizationalUnit')).toBe('other');
    expect(classifyEntry({ dn: 'x=y', attributes: {} })).toBe('other');
  });

  it('looks attributes up case-insensitively', () => {
    const rec = { dn: 'x=y', attributes: { zimbraId: ['1'] } };
    expect(getAttributeValues(rec, 'ZIMBRAID')).toEqual(['1']);
    expect(getAttributeValues(rec, 'missing')).toEqual([]);
  });

  it('keeps binary attributes as bytes and decodes other valid UTF-8', () => {
    expect(isBinaryAttribute('thumbnailPhoto')).toBe(true);
    expect(isBinaryAttribute('USERCERTIFICATE;binary')).toBe(true);
    expect(isBinaryAttribute('anything;binary')).toBe(true);
    expect(isBinaryAttribute('cn')).toBe(false);
    expect(isBinaryAttribute('myBlob', new Set(['myblob']))).toBe(true);
    expect(normalizeValue('thumbnailPhoto', 'abc')).toEqual(Buffer.from('abc'));
    expect(normalizeValue('cn', Buffer.from('Zoë'))).toBe('Zoë');
    expect(normalizeValue('cn', Buffer.from([0xff]))).toEqual(Buffer.from([0xff]));
  });

  it('splits DNs at unescaped commas only', () => {
    expect(splitDN('uid=a\\,b,ou=people, dc=Example,dc=test')).toEqual([
      'uid=a\\,b',
      'ou=people',
      'dc=Example',
      'dc=test',
    ]);
    expect(splitDN('')).toEqual([]);
    expect(dnKey('CN=Zimbra')).toBe('cn=zimbra');
    expect(parentDnKey('uid=a\\,b,ou=People,dc=x')).toBe('ou=people,dc=x');
    expect(parentDnKey('cn=zimbra')).toBe('');
  });
});

describe('orderParentsFirst', () => {
  it('puts parents first and holds back entries whose parent is not among them', () => {
    const dns = [
      'cn=sig1,uid=alice,ou=people,dc=x,dc=test', // parent is an account (streamed later)
      'uid=alice,ou=people,dc=x,dc=test',
      'ou=people,dc=x,dc=test',
      'dc=x,dc=test',
      'dc=test',
      'cn=default,cn=cos,cn=zimbra',
      'cn=cos,cn=zimbra',
      'cn=zimbra',
    ].map((dn) => ({ dn }));
    const all = orderParentsFirst(dns, ['']);
    const seen = new Set<string>();
    for (const { dn } of all.ready) {
      const p = parentDnKey(dn);
      expect(p === '' || seen.has(p), dn).toBe(true);
      seen.add(dnKey(dn));
    }
    expect(all.heldBack).toEqual([]);
    const noAccount = orderParentsFirst(
      dns.filter((d) => !d.dn.startsWith('uid=')),
      [''],
    );
    expect(noAccount.heldBack.map((d) => d.dn)).toEqual(['cn=sig1,uid=alice,ou=people,dc=x,dc=test']);
    // With explicit bases, an entry under a base is ready even though the base's parent is absent.
    const based = orderParentsFirst(
      [{ dn: 'ou=people,dc=x,dc=test' }, { dn: 'uid=a,ou=people,dc=x,dc=test' }],
      ['dc=x,dc=test'],
    );
    expect(based.ready.map((d) => d.dn)).toEqual(['ou=people,dc=x,dc=test', 'uid=a,ou=people,dc=x,dc=test']);
  });
});

describe('generated test schema', () => {
  const ref = resolve(import.meta.dirname, '../../../../shared/zimbra-reference');
  const committedPath = resolve(import.meta.dirname, '../../fixtures/ldap/zimbra-test.schema');
  const haveReference = existsSync(resolve(ref, 'zimbra-attrs.xml'));

  // The generated file is in the repository, so what the tests rely on is checked everywhere
  // (CI has no reference files beside the project); only the regeneration needs them.
  it("the committed schema keeps Zimbra's OID scheme and binary syntaxes", () => {
    const committed = readFileSync(committedPath, 'utf8');
    // Zimbra's OID scheme: zimbraId is attribute 1, zimbraAccount object class 1.
    expect(committed).toContain("attributetype ( 1.3.6.1.4.1.19348.2.1.1\n  NAME 'zimbraId'");
    expect(committed).toContain("objectclass ( 1.3.6.1.4.1.19348.2.2.1\n  NAME 'zimbraAccount'");
    expect(committed).toMatch(/NAME 'thumbnailPhoto'\n[^)]*SYNTAX 1\.3\.6\.1\.4\.1\.1466\.115\.121\.1\.40/);
  });

  if (!haveReference)
    console.warn(
      `skipping the schema regeneration check: no Zimbra reference files at ${ref} (the committed schema is still checked)`,
    );
  it.skipIf(!haveReference)(
    'matches scripts/gen-ldap-schema.ts output (regenerate after changing it; needs the reference files)',
    () => {
      const fresh = generateSchema(resolve(ref, 'zimbra-attrs.xml'), resolve(ref, 'zimbra-ocs.xml'));
      expect(readFileSync(committedPath, 'utf8')).toBe(fresh);
    },
  );
});
