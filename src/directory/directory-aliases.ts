/**
 * Aliases of the accounts, distribution lists and dynamic groups of a directory dump, and adding
 * them to a recreated object through admin SOAP (AddAccountAliasRequest,
 * AddDistributionListAliasRequest), shared by `restoreDirectory` and import provisioning.
 *
 * ```text
 * aliases of an object = its zimbraMailAlias values ∪ the alias entries (objectClass zimbraAlias)
 *                        whose zimbraAliasTargetId is its zimbraId; lower-cased, deduplicated, sorted,
 *                        minus its own address (a list's zimbraMailAlias holds it too:
 *                        LdapProvisioning.createDistributionList)
 * add each after the object exists: account.ACCOUNT_EXISTS -> existing (already there, e.g. a rerun)
 *                                    account.NO_SUCH_DOMAIN -> failed, "domain ... does not exist"
 *                                    other fault            -> failed with its message; never the whole run
 * ```
 * @module
 */
import { domainOf, entryAddress, getAttributeValues, entryValue, type DirectoryEntry } from './directory-entry.js';
import { AddAccountAlias } from '../soap/requests/add-account-alias.js';
import { AddDistributionListAlias } from '../soap/requests/add-distribution-list-alias.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import { faultCodeOf } from '../internal/fault-code.js';

const ALIASED_KINDS: ReadonlySet<string> = new Set(['account', 'calendarResource', 'distributionList', 'dynamicGroup']);

/** Collects the aliases of accounts and groups while a dump is read once. */
export class AliasCollector {
  private readonly byTarget = new Map<string, Set<string>>();

  /**
   * Takes what an entry says about aliases: an account's or group's `zimbraMailAlias`, an alias
   * entry's target.
   */
  add(e: DirectoryEntry): void {
    if (ALIASED_KINDS.has(e.kind)) {
      const id = entryValue(e, 'zimbraId');
      if (!id) return;
      for (const v of getAttributeValues(e, 'zimbraMailAlias')) if (typeof v === 'string') this.put(id, v);
    } else if (e.kind === 'alias') {
      const target = entryValue(e, 'zimbraAliasTargetId');
      const address = entryAddress(e);
      if (target && address) this.put(target, address);
    }
  }

  private put(targetId: string, alias: string): void {
    const key = targetId.toLowerCase();
    const set = this.byTarget.get(key) ?? new Set<string>();
    set.add(alias.trim().toLowerCase());
    this.byTarget.set(key, set);
  }

  /** The aliases of the account or group whose source zimbraId is `id` (never its own address), sorted. */
  forTarget(id: string, address?: string): string[] {
    const own = address?.toLowerCase();
    return [...(this.byTarget.get(id.toLowerCase()) ?? [])].filter((a) => a !== own && a.includes('@')).sort();
  }
}

/** What happened to one alias. */
export interface AliasOutcome {
  /** The alias address. */
  alias: string;
  /** `created`; `existing` (the address is already taken, perhaps by this alias); `failed`. */
  status: 'created' | 'existing' | 'failed';
  /** Why it is existing or failed. */
  reason?: string;
}

/**
 * Adds aliases to an account (by its target zimbraId), one request each; per-alias faults are
 * outcomes. Aborts and transport errors (no fault code) are thrown.
 */
export function addAccountAliases(
  client: ZimbraClient,
  accountId: string,
  aliases: readonly string[],
  signal?: AbortSignal,
): Promise<AliasOutcome[]> {
  return addAliases(client, 'account', accountId, aliases, signal);
}

/**
 * Adds aliases to an account or to a distribution list / dynamic group (`group`, through
 * AddDistributionListAliasRequest), by its target zimbraId, one request each; per-alias faults are
 * outcomes. Aborts and transport errors (no fault code) are thrown.
 */
export async function addAliases(
  client: ZimbraClient,
  target: 'account' | 'group',
  id: string,
  aliases: readonly string[],
  signal?: AbortSignal,
): Promise<AliasOutcome[]> {
  const io = signal ? { signal } : {};
  const out: AliasOutcome[] = [];
  for (const alias of aliases) {
    try {
      if (target === 'account') await client.send(AddAccountAlias, { id, alias }, io);
      else await client.send(AddDistributionListAlias, { id, alias }, io);
      out.push({ alias, status: 'created' });
    } catch (err) {
      if (signal?.aborted) throw err;
      const code = faultCodeOf(err);
      if (code === 'account.ACCOUNT_EXISTS') out.push({ alias, status: 'existing', reason: 'address exists' });
      else if (code === 'account.NO_SUCH_DOMAIN')
        out.push({ alias, status: 'failed', reason: `domain ${domainOf(alias)} does not exist on the target` });
      else if (code) out.push({ alias, status: 'failed', reason: (err as Error).message });
      else throw err;
    }
  }
  return out;
}
