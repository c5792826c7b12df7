/**
 * The directory part of a backup: an LDAP dump when LDAP credentials are given, otherwise the
 * same objects read through admin SOAP (GetAllDomains, GetAllCos, GetAllServers,
 * SearchDirectory, GetAllDistributionLists) written as the same LDIF. The SOAP path cannot see
 * password hashes (`userPassword`): the result says so, and restores then generate passwords.
 * @module
 */
import { VALUE_BLOCKED } from './account-attributes.js';
import { classifyEntry, type DirectoryEntry, type DirectoryValue } from './directory-entry.js';
import type { DirectoryDumpSummary } from './directory-dump-io.js';
import { storeDirectoryEntries, type StoredDirectoryDump } from './dump-store.js';
import type { DirectoryObject } from '../soap/requests/directory.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import { GetAllCos } from '../soap/requests/get-all-cos.js';
import { GetAllDistributionLists } from '../soap/requests/get-all-distribution-lists.js';
import { GetAllDomains } from '../soap/requests/get-all-domains.js';
import { GetAllServers } from '../soap/requests/get-all-servers.js';
import { GetDistributionList } from '../soap/requests/get-distribution-list.js';
import { SearchDirectory } from '../soap/requests/search-directory.js';
import { batchRead, read } from './soap-batch-read.js';
import type { StorageBackend } from '../store/backends/backend.js';

/** What a saved directory snapshot holds. */
export interface DirectorySnapshotResult {
  /** Repository key of the LDIF: the new dump, or the newest existing one when `unchanged`. */
  key: string;
  /** Where the entries came from. */
  source: 'ldap' | 'soap';
  summary: DirectoryDumpSummary;
  /** Stored bytes (gzip); 0 when `unchanged`. */
  bytes: number;
  /** Content digest (hex) recorded in the dump's header (dump-digest.ts). */
  digest: string;
  /**
   * True when the directory held the same content as the newest dump: nothing was written, and
   * that dump (`key`) stays the one restores find for every instant from its time on.
   */
  unchanged: boolean;
  /** Present when something the restore needs is missing from this snapshot. */
  warning?: string;
}

/** The warning attached to every SOAP-sourced snapshot. */
export const SOAP_DIRECTORY_WARNING =
  'directory read through admin SOAP: password hashes (userPassword) are not included; restored accounts get new passwords. Give --ldap-url/--ldap-bind-dn/--ldap-password-file for a complete dump.';

/** What admin SOAP answers instead of a secret attribute's value. */

function dcDn(domain: string): string {
  return domain
    .split('.')
    .map((p) => `dc=${escapeRdn(p)}`)
    .join(',');
}

/** Escapes an RDN value (RFC 4514). */
function escapeRdn(v: string): string {
  return v
    .replace(/([,+"\\<>;=])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/ $/, '\\ ');
}

function addressDn(address: string): string {
  const at = address.lastIndexOf('@');
  return `uid=${escapeRdn(address.slice(0, at))},ou=people,${dcDn(address.slice(at + 1))}`;
}

function entry(
  dn: string,
  obj: DirectoryObject,
  objectClass: string[],
  extra: Record<string, DirectoryValue[]> = {},
): DirectoryEntry {
  const attributes: Record<string, DirectoryValue[]> = {};
  for (const [k, v] of Object.entries(obj.attrs)) {
    // a real server answers `VALUE-BLOCKED` for userPassword and other secrets
    // (Provisioning.sanitizedAttrValue); that placeholder is no value to restore
    const values = (Array.isArray(v) ? v : [v]).filter((x) => x !== VALUE_BLOCKED);
    if (values.length > 0) attributes[k] = values;
  }
  if (!attributes['objectClass']?.length) attributes['objectClass'] = objectClass;
  if (!attributes['zimbraId']?.length && obj.id) attributes['zimbraId'] = [obj.id];
  Object.assign(attributes, extra);
  const record = { dn, attributes };
  return { ...record, kind: classifyEntry(record) };
}

/** The directory objects of a Zimbra server, read through admin SOAP, as LDIF-ready entries (parents first). */
export async function* soapDirectoryEntries(
  client: ZimbraClient,
  signal?: AbortSignal,
): AsyncGenerator<DirectoryEntry> {
  // The configuration, the first page of accounts and the list of lists in one round trip, the
  // lists' members in a few more (soap-batch-read.ts); the same requests and answers as one by one.
  const ACCOUNTS = { types: 'accounts', limit: 500, sortBy: 'name' } as const;
  const [servers, coses, domains, firstPage, all] = await batchRead(
    client,
    [
      read(GetAllServers, {}),
      read(GetAllCos, {}),
      read(GetAllDomains, {}),
      // No `attrs`: the server returns every attribute of each account.
      read(SearchDirectory, { ...ACCOUNTS, offset: 0 }),
      read(GetAllDistributionLists, {}),
    ],
    signal,
  );
  for (const s of servers.servers) yield entry(`cn=${escapeRdn(s.name)},cn=servers,cn=zimbra`, s, ['zimbraServer']);
  for (const c of coses.coses) yield entry(`cn=${escapeRdn(c.name)},cn=cos,cn=zimbra`, c, ['zimbraCOS']);
  for (const d of domains.domains) yield entry(dcDn(d.name), d, ['dcObject', 'organization', 'zimbraDomain']);
  for (let page = firstPage, offset = 0; ;) {
    for (const a of page.accounts) yield entry(addressDn(a.name), a, ['inetOrgPerson', 'zimbraAccount']);
    offset += page.accounts.length;
    if (!page.more || page.accounts.length === 0) break;
    page = await client.searchDirectory({ ...ACCOUNTS, offset }, signal ? { signal } : {});
  }
  const full = await batchRead(
    client,
    all.lists.map((dl) => read(GetDistributionList, { dl: { by: 'id', value: dl.id } })),
    signal,
  );
  const lists = all.lists.map((dl, i) => {
    const one = full[i]!.list;
    // as ZimbraClient.getAllDistributionLists: the list's own answer, members included
    return { ...dl, members: one.members, attrs: Object.keys(one.attrs).length ? one.attrs : dl.attrs };
  });
  for (const dl of lists) {
    const members: Record<string, DirectoryValue[]> =
      dl.members.length > 0 ? { zimbraMailForwardingAddress: dl.members } : {};
    // A dynamic group is objectClass zimbraGroup in LDAP (its members are the accounts that are
    // zimbraMemberOf it); through SOAP its GetDistributionList members are kept like a list's.
    const classes = dl.dynamic
      ? ['zimbraGroup', 'zimbraMailRecipient']
      : ['zimbraDistributionList', 'zimbraMailRecipient'];
    yield entry(addressDn(dl.name), dl, classes, members);
  }
}

/**
 * Writes entries as gzip LDIF into the repository under `key` (spooled: a backend put must be
 * replayable); with `ifChanged`, nothing when the newest dump holds the same content (dump-store.ts).
 */
export async function saveDirectoryEntries(
  backend: StorageBackend,
  key: string,
  entries: AsyncIterable<DirectoryEntry>,
  signal?: AbortSignal,
  opts: { ifChanged?: boolean } = {},
): Promise<StoredDirectoryDump> {
  return storeDirectoryEntries({
    backend,
    key,
    entries,
    header: `zimbra-backup directory snapshot (admin SOAP)\ncreated: ${new Date().toISOString()}`,
    ...(opts.ifChanged !== undefined ? { ifChanged: opts.ifChanged } : {}),
    ...(signal ? { signal } : {}),
  });
}
