/**
 * Provisioning the target of an import through admin SOAP only (CreateCos, CreateDomain,
 * CreateAccount, CreateDistributionList, AddDistributionListMember): never raw LDIF, so the
 * target's version does not matter.
 *
 * ```text
 * plan   = directory entries of the selection: COS, domains (plus the domain of every account),
 *          the accounts to import (an account without an entry: from its attribute record), lists
 * fail   = onExisting 'fail' and an account or list exists that this import did not create -> ZB_CONFLICT, nothing written
 * create = COS -> domains -> accounts (+ their aliases, AddAccountAlias) -> lists (+ members, + their aliases,
 *          AddDistributionListAlias); COS ids remapped by COS name
 *          existing COS/domain: reused; existing account/list not ours: skipped (onExisting 'skip')
 * ```
 * @module
 */
import { randomBytes } from 'node:crypto';
import { ZimbraBackupError, throwIfAborted } from '../errors.js';
import { Secret } from '../internal/secret.js';
import { domainOf, entryAddress, entryValue, passwordHash, type DirectoryEntry } from './directory-entry.js';
import { copyableAccountAttrs } from './account-attributes.js';
import { AliasCollector, addAliases } from './directory-aliases.js';
import type { ZimbraAttrs } from '../soap/element.js';
import { AddDistributionListMember } from '../soap/requests/add-distribution-list-member.js';
import { CreateCos } from '../soap/requests/create-cos.js';
import { CreateDistributionList } from '../soap/requests/create-distribution-list.js';
import { GroupMembership } from './group-plan.js';
import { CreateDomain } from '../soap/requests/create-domain.js';
import { GetDistributionList } from '../soap/requests/get-distribution-list.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import { creatableAttrs, remapCos } from './directory-attrs.js';
import { faultCodeOf } from '../internal/fault-code.js';

/** Kinds of directory object an import creates. */
export type ProvisionKind = 'cos' | 'domain' | 'account' | 'alias' | 'distributionList';

/** What happened to one directory object. */
export interface ProvisionOutcome {
  /** What it is. */
  kind: ProvisionKind;
  /** COS cn, domain name or address. */
  name: string;
  /** `created` (this run), `ours` (created by an earlier run of this import), `existing` (reused or skipped), `failed`. */
  status: 'created' | 'ours' | 'existing' | 'failed';
  /** Target id, when known. */
  id?: string;
  /** Failure reason (for `existing` aliases: why). */
  reason?: string;
  /** For an alias: the account it names. */
  target?: string;
}

/** An account to provision. */
export interface ProvisionAccount {
  /** Source zimbraId. */
  id: string;
  /** Address (kept on the target). */
  name: string;
  /** Attributes from its last snapshot (used when the directory has no entry for it). */
  attrs?: Record<string, string | string[]>;
}

/** Result of {@link provision}. */
export interface ProvisionResult {
  /** Every object, in creation order. */
  objects: ProvisionOutcome[];
  /** Accounts whose content may be imported (created now or by an earlier run), by source id. */
  importable: Map<string, ProvisionOutcome>;
  /** Passwords generated for accounts without a hash in the source, reported once. */
  generatedPasswords: Map<string, Secret>;
}

interface Planned {
  kind: ProvisionKind;
  name: string;
  attrs: ZimbraAttrs;
  sourceId?: string;
  members?: string[];
  aliases?: string[];
  /** A dynamic group (distributionList kind). */
  dynamic?: boolean;
}

/** Builds the creation plan from the directory entries and the accounts to import. */
export async function planProvisioning(
  entries: AsyncIterable<DirectoryEntry>,
  accounts: readonly ProvisionAccount[],
): Promise<{ planned: Planned[]; cosNames: Map<string, string> }> {
  const byId = new Map(accounts.map((a) => [a.id.toLowerCase(), a]));
  const domains = new Set(accounts.map((a) => domainOf(a.name)));
  const cos: Planned[] = [];
  const doms = new Map<string, Planned>();
  const accs = new Map<string, Planned>();
  const lists: Planned[] = [];
  const cosNames = new Map<string, string>();
  const aliases = new AliasCollector();
  const groups = new GroupMembership();
  for await (const e of entries) {
    aliases.add(e);
    groups.add(e);
    if (e.kind === 'cos') {
      const name = entryValue(e, 'cn');
      const id = entryValue(e, 'zimbraId');
      if (name && id) cosNames.set(id, name);
      if (name) cos.push({ kind: 'cos', name, attrs: creatableAttrs(e.attributes) });
    } else if (e.kind === 'domain') {
      const name = entryValue(e, 'zimbraDomainName')?.toLowerCase();
      if (name) doms.set(name, { kind: 'domain', name, attrs: creatableAttrs(e.attributes) });
    } else if (e.kind === 'account' || e.kind === 'calendarResource') {
      const a = byId.get((entryValue(e, 'zimbraId') ?? '').toLowerCase());
      if (!a) continue;
      const hash = passwordHash(e);
      accs.set(a.id, {
        kind: 'account',
        name: a.name.toLowerCase(),
        sourceId: a.id,
        attrs: { ...copyableAccountAttrs(creatableAttrs(e.attributes)), ...(hash ? { userPassword: hash } : {}) },
      });
    } else if (e.kind === 'distributionList' || e.kind === 'dynamicGroup') {
      const name = entryAddress(e);
      if (!name || (!domains.has(domainOf(name)) && !doms.has(domainOf(name)))) continue;
      const id = entryValue(e, 'zimbraId');
      lists.push({ kind: 'distributionList', ...groups.plan(e, name), ...(id ? { sourceId: id } : {}) });
    }
  }
  for (const d of domains) if (!doms.has(d)) doms.set(d, { kind: 'domain', name: d, attrs: {} });
  for (const a of accounts)
    if (!accs.has(a.id))
      accs.set(a.id, {
        kind: 'account',
        name: a.name.toLowerCase(),
        sourceId: a.id,
        attrs: copyableAccountAttrs(a.attrs),
      });
  for (const a of [...accs.values(), ...lists]) {
    const list = a.sourceId ? aliases.forTarget(a.sourceId, a.name) : [];
    if (list.length) a.aliases = list;
  }
  const sorted = <T extends Planned>(xs: Iterable<T>): T[] =>
    [...xs].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return { planned: [...sorted(cos), ...sorted(doms.values()), ...sorted(accs.values()), ...sorted(lists)], cosNames };
}

async function exists(client: ZimbraClient, o: Planned, signal?: AbortSignal): Promise<boolean> {
  const io = signal ? { signal } : {};
  try {
    if (o.kind === 'account') await client.getAccount(o.name, { ...io, attrs: ['zimbraId'] });
    else await client.send(GetDistributionList, { dl: { by: 'name', value: o.name } }, io);
    return true;
  } catch (err) {
    if (/^account\.NO_SUCH_(ACCOUNT|DISTRIBUTION_LIST)$/.test(faultCodeOf(err) ?? '')) return false;
    throw err;
  }
}

/** Options of {@link provision}. */
export interface ProvisionOptions {
  /** Admin-authenticated client of the target. */
  client: ZimbraClient;
  /** Directory entries of the selection (a filtered dump, or synthesized). */
  entries: AsyncIterable<DirectoryEntry>;
  /** The accounts to import. */
  accounts: readonly ProvisionAccount[];
  /** What to do with an account or list that exists and is not this import's. */
  onExisting: 'skip' | 'fail';
  /** The import's bookkeeping (claims). */
  state: ProvisionClaims;
  /** Called after each object. */
  onProgress?: (p: { phase: 'provision'; loaded: number; total: number }) => void;
  /** Aborts between objects. */
  signal?: AbortSignal;
}

/**
 * The claims an import keeps on the objects it created, so a rerun recognises its own accounts
 * and lists (and refuses or skips someone else's). The import's state object implements it.
 */
export interface ProvisionClaims {
  /** True when this import created (claimed) the object named `name`. */
  isOurs(name: string): boolean;
  /** Records that this import is about to create `name` (persisted before the create). */
  claim(name: string, signal?: AbortSignal): Promise<void>;
  /** Withdraws a claim whose create found the object already there (someone else's). */
  release(name: string, signal?: AbortSignal): Promise<void>;
}

/**
 * Creates the directory objects of an import on the target.
 * @throws `ZB_CONFLICT` (onExisting 'fail', before anything is created) listing the existing
 *   objects in `data.existing`; `ZB_ABORTED`; transport errors. Per-object faults are outcomes.
 */
export async function provision(opts: ProvisionOptions): Promise<ProvisionResult> {
  const { client, state, signal } = opts;
  const io = signal ? { signal } : {};
  const { planned, cosNames } = await planProvisioning(opts.entries, opts.accounts);
  if (opts.onExisting === 'fail') {
    const clash: string[] = [];
    for (const o of planned)
      if (
        (o.kind === 'account' || o.kind === 'distributionList') &&
        !state.isOurs(o.name) &&
        (await exists(client, o, signal))
      )
        clash.push(o.name);
    if (clash.length)
      throw new ZimbraBackupError(
        `already on the target: ${clash.slice(0, 10).join(', ')}${clash.length > 10 ? ` and ${clash.length - 10} more` : ''}`,
        { code: 'ZB_CONFLICT', data: { existing: clash } },
      );
  }
  const result: ProvisionResult = { objects: [], importable: new Map(), generatedPasswords: new Map() };
  const newCos = new Map((await client.getAllCos(io)).map((c) => [c.name.toLowerCase(), c.id] as const));
  let done = 0;
  for (const o of planned) {
    throwIfAborted(signal);
    const out = await createOne(opts, o, remapCos(o.attrs, cosNames, newCos), result);
    if (o.kind === 'cos' && out.id) newCos.set(o.name.toLowerCase(), out.id);
    if (o.kind === 'account' && (out.status === 'created' || out.status === 'ours'))
      result.importable.set(o.sourceId!, out);
    result.objects.push(out);
    if (o.aliases?.length && (out.status === 'created' || out.status === 'ours'))
      result.objects.push(...(await provisionAliases(client, o, out, signal)));
    opts.onProgress?.({ phase: 'provision', loaded: ++done, total: planned.length });
  }
  return result;
}

/** Adds the aliases of an account or list this import created (or created in an earlier run). */
async function provisionAliases(
  client: ZimbraClient,
  o: Planned,
  out: ProvisionOutcome,
  signal?: AbortSignal,
): Promise<ProvisionOutcome[]> {
  const base = { kind: 'alias' as const, target: o.name };
  const io = signal ? { signal } : {};
  const target = o.kind === 'account' ? 'account' : 'group';
  let id = out.id;
  try {
    // An object created by an earlier run ('ours') is looked up for its new id.
    id ??=
      target === 'account'
        ? (await client.getAccount(o.name, { ...io, attrs: ['zimbraId'] })).id
        : (await client.send(GetDistributionList, { dl: { by: 'name', value: o.name }, limit: 1 }, io)).list.id;
  } catch (err) {
    if (signal?.aborted) throw err;
    const reason = `${target === 'account' ? 'account' : 'list'} not found: ${(err as Error).message}`;
    return o.aliases!.map((name) => ({ ...base, name, status: 'failed' as const, reason }));
  }
  return (await addAliases(client, target, id, o.aliases!, signal)).map((a) => ({
    ...base,
    name: a.alias,
    status: a.status,
    ...(a.reason ? { reason: a.reason } : {}),
  }));
}

async function createOne(
  opts: ProvisionOptions,
  o: Planned,
  attrs: ZimbraAttrs,
  result: ProvisionResult,
): Promise<ProvisionOutcome> {
  const { client, state, signal } = opts;
  const io = signal ? { signal } : {};
  const base = { kind: o.kind, name: o.name };
  const mine = o.kind === 'account' || o.kind === 'distributionList';
  const claimedBefore = mine && state.isOurs(o.name);
  try {
    if (mine && !claimedBefore) {
      // Someone else's object is left alone; ours (claimed before its create was sent) is resumed.
      if (await exists(client, o, signal)) return { ...base, status: 'existing' };
      await state.claim(o.name, signal);
    }
    switch (o.kind) {
      case 'cos':
        return { ...base, status: 'created', id: (await client.send(CreateCos, { name: o.name, attrs }, io)).id };
      case 'domain':
        return { ...base, status: 'created', id: (await client.send(CreateDomain, { name: o.name, attrs }, io)).id };
      case 'account': {
        // Without a hash in the source, the account gets a random password reported once.
        const password = attrs['userPassword'] ? undefined : new Secret(randomBytes(18).toString('base64url'));
        const created = await client.createAccount(o.name, password, attrs, io);
        if (password) result.generatedPasswords.set(o.name, password);
        return { ...base, status: 'created', id: created.id };
      }
      case 'distributionList': {
        const dl = await client.send(
          CreateDistributionList,
          { name: o.name, attrs, ...(o.dynamic ? { dynamic: true } : {}) },
          io,
        );
        if (o.members?.length) await client.send(AddDistributionListMember, { id: dl.id, members: o.members }, io);
        return { ...base, status: 'created', id: dl.id };
      }
      case 'alias':
        // aliases are planned on their account or list (Planned.aliases), never on their own
        return { ...base, status: 'failed', reason: 'an alias is added with its account or list' };
    }
  } catch (err) {
    if (signal?.aborted) throw err;
    if (!/_EXISTS$/.test(faultCodeOf(err) ?? '')) return { ...base, status: 'failed', reason: (err as Error).message };
    if (!mine) return { ...base, status: 'existing' };
    // Claimed by an earlier run, which created it (perhaps crashing before it could say so).
    if (claimedBefore) return { ...base, status: 'ours' };
    await state.release(o.name, signal); // created by someone else between our check and our create
    return { ...base, status: 'existing' };
  }
}
