import { describe, expect, it } from 'vitest';
import { classifyEntry, type DirectoryEntry } from '../../../src/directory/directory-entry.js';
import { AliasCollector } from '../../../src/directory/directory-aliases.js';
import { planProvisioning } from '../../../src/directory/provision.js';

function e(dn: string, attributes: Record<string, string[]>): DirectoryEntry {
  return { dn, attributes, kind: classifyEntry({ dn, attributes }) };
}

async function* from(entries: DirectoryEntry[]): AsyncGenerator<DirectoryEntry> {
  yield* entries;
}

const ACC = 'aaaaaaaa-0000-0000-0000-000000000001';

// The alias entry comes after its account, as in an LDAP dump (aliases pass after accounts), and
// in another domain: LdapProvisioning.addAliasInternal puts it under the alias's domain.
const ENTRIES = [
  e('uid=zed,ou=people,dc=a,dc=test', {
    objectClass: ['zimbraAccount'],
    uid: ['zed'],
    zimbraId: [ACC],
    zimbraMailAlias: ['Z@a.test', 'zz@a.test'],
  }),
  e('uid=team,ou=people,dc=a,dc=test', {
    objectClass: ['zimbraDistributionList'],
    mail: ['team@a.test'],
    zimbraId: ['dl'],
    zimbraMailForwardingAddress: ['zed@a.test'],
  }),
  e('dc=a,dc=test', { objectClass: ['zimbraDomain'], zimbraDomainName: ['a.test'] }),
  e('uid=zorro,ou=people,dc=b,dc=test', {
    objectClass: ['zimbraAlias'],
    uid: ['zorro'],
    zimbraAliasTargetId: [ACC.toUpperCase()],
  }),
  // an alias of an account outside the selection is not planned
  e('uid=other,ou=people,dc=a,dc=test', { objectClass: ['zimbraAlias'], uid: ['other'], zimbraAliasTargetId: ['x'] }),
];

describe('planProvisioning', () => {
  it('orders COS, domains, accounts (with their aliases), lists; aliases deduplicated and lower-cased', async () => {
    const { planned } = await planProvisioning(from(ENTRIES), [{ id: ACC, name: 'zed@a.test' }]);
    expect(planned.map((p) => `${p.kind}:${p.name}`)).toEqual([
      'domain:a.test',
      'account:zed@a.test',
      'distributionList:team@a.test',
    ]);
    expect(planned[1]!.aliases).toEqual(['z@a.test', 'zorro@b.test', 'zz@a.test']);
    expect(planned[0]!.aliases).toBeUndefined();
  });

  // An LDAP dump of a list with aliases: its zimbraMailAlias holds its own address and the aliases
  // (LdapProvisioning.createDistributionList, addAliasInternal), and each alias has a zimbraAlias
  // entry whose zimbraAliasTargetId is the list's zimbraId (AddDistributionListAlias.java).
  it('plans the aliases of a list and a dynamic group, never their own address', async () => {
    const { planned } = await planProvisioning(
      from([
        e('uid=team,ou=people,dc=a,dc=test', {
          objectClass: ['zimbraDistributionList'],
          mail: ['team@a.test', 'crew@a.test'],
          zimbraId: ['DL-1'],
          zimbraMailAlias: ['team@a.test', 'Crew@a.test'],
        }),
        e('uid=dyn,ou=people,dc=a,dc=test', {
          objectClass: ['zimbraGroup'],
          mail: ['dyn@a.test'],
          zimbraId: ['dg-1'],
          zimbraMailAlias: ['dyn@a.test'],
        }),
        e('uid=crew,ou=people,dc=a,dc=test', {
          objectClass: ['zimbraAlias'],
          uid: ['crew'],
          zimbraAliasTargetId: ['dl-1'],
        }),
        e('uid=mates,ou=people,dc=b,dc=test', {
          objectClass: ['zimbraAlias'],
          uid: ['mates'],
          zimbraAliasTargetId: ['dl-1'],
        }),
        e('uid=all,ou=people,dc=a,dc=test', {
          objectClass: ['zimbraAlias'],
          uid: ['all'],
          zimbraAliasTargetId: ['dg-1'],
        }),
      ]),
      [{ id: ACC, name: 'zed@a.test' }],
    );
    expect(planned.filter((p) => p.kind === 'distributionList').map((p) => [p.name, p.aliases])).toEqual([
      ['dyn@a.test', ['all@a.test']],
      ['team@a.test', ['crew@a.test', 'mates@b.test']],
    ]);
  });

  it('an account without aliases plans none', async () => {
    const { planned } = await planProvisioning(from([]), [{ id: 'q', name: 'q@c.test' }]);
    expect(planned.map((p) => [p.kind, p.name, p.aliases])).toEqual([
      ['domain', 'c.test', undefined],
      ['account', 'q@c.test', undefined],
    ]);
  });
});

describe('AliasCollector', () => {
  it('never lists the account own address as its alias', () => {
    const c = new AliasCollector();
    c.add(
      e('uid=g,ou=people,dc=a,dc=test', {
        objectClass: ['zimbraAccount'],
        zimbraId: ['g'],
        zimbraMailAlias: ['g@a.test', 'gee@a.test', 'not-an-address'],
      }),
    );
    expect(c.forTarget('G', 'g@a.test')).toEqual(['gee@a.test']);
  });
});
