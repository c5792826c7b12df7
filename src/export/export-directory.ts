/**
 * The directory part of an export: the newest dump at or before the export instant, filtered to
 * the selection, or, when the repository holds no dump, entries synthesized from the accounts'
 * attribute records (what a SOAP-only backup knows).
 * @module
 */
import { readDirectoryDump } from '../directory/directory-dump-io.js';
import { domainOf, type DirectoryEntry, type DirectoryValue } from '../directory/directory-entry.js';
import { findDirectoryDump } from '../directory/directory-source.js';
import type { StorageBackend } from '../store/backends/backend.js';

/** An account the export includes, as the directory filter needs it. */
export interface DirectoryAccount {
  /** zimbraId (lower case). */
  id: string;
  /** Primary address. */
  name: string;
  /** Attributes of its last snapshot at the export instant (for synthesis). */
  attrs?: Record<string, string | string[]>;
}

/** Where the directory entries come from. */
export interface DirectorySource {
  /** `dump` or `journal` (synthesized). */
  source: 'dump' | 'journal';
  /** Key of the dump, when there is one. */
  dumpKey?: string;
  /** The filtered entries, in dump order (parents first). */
  entries: AsyncIterable<DirectoryEntry>;
}

export { domainOf };

function first(e: DirectoryEntry, name: string): string | undefined {
  const lc = name.toLowerCase();
  for (const [k, vs] of Object.entries(e.attributes))
    if (k.toLowerCase() === lc && typeof vs[0] === 'string') return vs[0];
  return undefined;
}

/** The domain an entry belongs to: its own name for domains, its address's domain otherwise. */
function entryDomain(e: DirectoryEntry): string | undefined {
  if (e.kind === 'domain') return first(e, 'zimbraDomainName')?.toLowerCase();
  const mail = first(e, 'mail') ?? first(e, 'zimbraMailDeliveryAddress') ?? first(e, 'zimbraMailAlias');
  if (mail?.includes('@')) return domainOf(mail);
  const dcs = e.dn
    .split(',')
    .map((p) => p.trim())
    .filter((p) => /^dc=/i.test(p))
    .map((p) => p.slice(3));
  return dcs.length ? dcs.join('.').toLowerCase() : undefined;
}

/**
 * Whether a dump entry belongs in an export of `accounts` within `domains`: every COS (few, and
 * referenced by id from accounts and domains), the selected domains, exactly the exported accounts,
 * and the lists, groups and aliases of the selected domains. Global config and servers describe
 * the source installation, not the data: left out.
 */
export function keepEntry(e: DirectoryEntry, accountIds: ReadonlySet<string>, domains: ReadonlySet<string>): boolean {
  switch (e.kind) {
    case 'cos':
      return true;
    case 'account':
    case 'calendarResource':
      return accountIds.has((first(e, 'zimbraId') ?? '').toLowerCase());
    case 'domain':
    case 'distributionList':
    case 'dynamicGroup':
    case 'alias': {
      const d = entryDomain(e);
      return d !== undefined && domains.has(d);
    }
    default:
      return false;
  }
}

function dcDn(domain: string): string {
  return domain
    .split('.')
    .map((p) => `dc=${p.replace(/([,+"\\<>;=])/g, '\\$1')}`)
    .join(',');
}

/** Entries for a repository without a dump: each domain once, then each account with its attributes. */
export async function* synthesizeEntries(accounts: readonly DirectoryAccount[]): AsyncGenerator<DirectoryEntry> {
  const domains = [...new Set(accounts.map((a) => domainOf(a.name)))].sort();
  for (const d of domains) {
    yield {
      kind: 'domain',
      dn: dcDn(d),
      attributes: { objectClass: ['dcObject', 'organization', 'zimbraDomain'], zimbraDomainName: [d] },
    };
  }
  for (const a of [...accounts].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
    const local = a.name.slice(0, a.name.lastIndexOf('@'));
    const attributes: Record<string, DirectoryValue[]> = {
      objectClass: ['inetOrgPerson', 'zimbraAccount'],
      uid: [local],
      mail: [a.name],
      zimbraId: [a.id],
    };
    for (const k of Object.keys(a.attrs ?? {}).sort()) {
      const lc = k.toLowerCase();
      if (lc === 'objectclass' || lc === 'uid' || lc === 'mail' || lc === 'zimbraid') continue;
      const v = a.attrs![k]!;
      attributes[k] = Array.isArray(v) ? [...v] : [v];
    }
    yield {
      kind: 'account',
      dn: `uid=${local.replace(/([,+"\\<>;=])/g, '\\$1')},ou=people,${dcDn(domainOf(a.name))}`,
      attributes,
    };
  }
}

async function* filtered(
  backend: StorageBackend,
  key: string,
  accountIds: ReadonlySet<string>,
  domains: ReadonlySet<string>,
  signal?: AbortSignal,
): AsyncGenerator<DirectoryEntry> {
  const body = await backend.get(key, signal ? { signal } : {});
  for await (const e of readDirectoryDump(body as AsyncIterable<Buffer>))
    if (keepEntry(e, accountIds, domains)) yield e;
}

/**
 * The directory entries of an export. `domains` is the selected domain set (the domains of the
 * exported accounts when the caller selected none).
 */
export async function exportDirectorySource(
  backend: StorageBackend,
  atMs: number,
  accounts: readonly DirectoryAccount[],
  domains: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<DirectorySource> {
  const key = await findDirectoryDump(backend, atMs, signal);
  if (!key) return { source: 'journal', entries: synthesizeEntries(accounts) };
  const ids = new Set(accounts.map((a) => a.id.toLowerCase()));
  return { source: 'dump', dumpKey: key, entries: filtered(backend, key, ids, domains, signal) };
}
