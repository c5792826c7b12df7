/**
 * Distribution lists and dynamic groups of a directory dump, as creation requests: what
 * import and restore-directory send to `CreateDistributionList` (with `dynamic="1"` for a group,
 * CreateDistributionList.java) and then to `AddDistributionListMember`.
 *
 * ```text
 * static list      members = zimbraMailForwardingAddress
 * dynamic group    objectClass zimbraGroup; members = accounts of the dump that are zimbraMemberOf
 *                  its zimbraId (LDAP dumps), or zimbraMailForwardingAddress (SOAP dumps keep the
 *                  GetDistributionList members there); the default memberURL names the old ids
 *                  (LdapDynamicGroup.getDefaultMemberURL), so it is left to the new server to
 *                  generate; a custom memberURL is an LDAP query: copied, and no members are added
 *                  (LdapProvisioning refuses members of such a group)
 * ```
 * @module
 */
import type { ZimbraAttrs } from '../soap/element.js';
import { creatableAttrs } from './directory-attrs.js';
import { entryAddress, entryValue, type DirectoryEntry } from './directory-entry.js';

/** One list or group to create. */
export interface GroupPlan {
  name: string;
  attrs: ZimbraAttrs;
  members: string[];
  /** A dynamic group (created with `dynamic="1"`). */
  dynamic?: boolean;
}

/** Remembers which accounts of a dump are members of which dynamic group (`zimbraMemberOf`). */
export class GroupMembership {
  readonly #byGroup = new Map<string, string[]>();

  /** Notes an account entry's `zimbraMemberOf` values. */
  add(e: DirectoryEntry): void {
    if (e.kind !== 'account' && e.kind !== 'calendarResource') return;
    const name = entryAddress(e);
    if (!name) return;
    for (const g of e.attributes['zimbraMemberOf'] ?? []) {
      if (typeof g !== 'string') continue;
      const list = this.#byGroup.get(g.toLowerCase()) ?? [];
      list.push(name);
      this.#byGroup.set(g.toLowerCase(), list);
    }
  }

  /** The creation request of a list or group entry (dump order puts accounts before groups). */
  plan(e: DirectoryEntry, name: string): GroupPlan {
    const forwarding = (e.attributes['zimbraMailForwardingAddress'] ?? []).filter(
      (v): v is string => typeof v === 'string',
    );
    const attrs = creatableAttrs(e.attributes);
    if (e.kind !== 'dynamicGroup') return { name, attrs, members: forwarding };
    const id = (entryValue(e, 'zimbraId') ?? '').toLowerCase();
    const url = typeof attrs['memberURL'] === 'string' ? attrs['memberURL'] : undefined;
    const custom = url !== undefined && !url.toLowerCase().includes(`(zimbramemberof=${id})`);
    if (!custom) delete attrs['memberURL'];
    const members = custom ? [] : [...new Set([...(this.#byGroup.get(id) ?? []), ...forwarding])];
    // zimbraMemberOf is the server's bookkeeping of membership, never copied onto a new account.
    return { name, attrs, members, dynamic: true };
  }
}
