/**
 * `restoreDirectory`: classes of service, domains, accounts and distribution lists (with members)
 * from the repository's directory dump, recreated through admin SOAP only (never raw LDIF into a
 * live Zimbra LDAP, which corrupts it). Mailbox content can follow with `restoreAccount`.
 *
 * ```text
 * dump = newest directory/<time>.ldif[.gz] at or before `at` (none: accounts from the journals' attribute records)
 * COS -> domains -> accounts (each followed by its aliases, AddAccountAlias)
 *     -> distribution lists and dynamic groups (each with its members, then its aliases, AddDistributionListAlias)
 * existing objects (`*_EXISTS`) are skipped; COS ids in attributes are remapped by COS name
 * ```
 * @module
 */
import { randomBytes } from 'node:crypto';
import { ZimbraBackupError, throwIfAborted } from '../errors.js';
import { Secret } from '../internal/secret.js';
import type { Logger } from '../internal/logger.js';
import { entryAddress } from './directory-entry.js';
import type { Repository } from '../repository/repository.js';
import type { ZimbraAttrs } from '../soap/element.js';
import { AddDistributionListMember } from '../soap/requests/add-distribution-list-member.js';
import { CreateCos } from '../soap/requests/create-cos.js';
import { CreateDistributionList } from '../soap/requests/create-distribution-list.js';
import { GroupMembership } from './group-plan.js';
import { CreateDomain } from '../soap/requests/create-domain.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import { copyableAccountAttrs } from './account-attributes.js';
import { AliasCollector, addAliases } from './directory-aliases.js';
import { dumpEntries, entryValue, findDirectoryDump, passwordHash } from './directory-source.js';
import { creatableAttrs, remapCos } from './directory-attrs.js';
import { faultCodeOf } from '../internal/fault-code.js';

/** Directory object kinds {@link restoreDirectory} recreates. */
export type DirectoryObjectKind = 'cos' | 'domain' | 'account' | 'alias' | 'distributionList';

/** Options of {@link restoreDirectory}. */
export interface RestoreDirectoryOptions {
  /** The repository to read from. */
  repository: Repository;
  /** Admin-authenticated client of the target server. */
  client: ZimbraClient;
  /** Kinds to restore. Default: all. `alias` adds the aliases of the accounts and lists this run creates. */
  objects?: DirectoryObjectKind[];
  /** Only objects of this domain (the domain itself, its accounts and lists; COS are kept). */
  domain?: string;
  /** Only these accounts (names or zimbraIds); lists are kept only when `accounts` is unset. */
  accounts?: string[];
  /** Use the newest dump taken at or before this instant. Default: the newest dump. */
  at?: Date | number;
  /** List what would be created without writing. Default false. */
  dryRun?: boolean;
  /** Called after each object. */
  onProgress?: (p: { phase: 'directory'; loaded: number; total: number }) => void;
  /** Logger. Default: silent. */
  logger?: Logger | false;
  /** Aborts between objects. */
  signal?: AbortSignal;
}

/** One directory object of a {@link RestoreDirectoryResult}. */
export interface DirectoryObjectOutcome {
  /** What the object is. */
  kind: DirectoryObjectKind;
  /** Name (COS cn, domain name, address). */
  name: string;
  /** New id, when created. */
  id?: string;
  /** Why skipped or failed. */
  reason?: string;
  /** For an alias: the account it names. */
  target?: string;
}

/** Result of {@link restoreDirectory}. */
export interface RestoreDirectoryResult {
  /** Where the objects came from. `journal`: no dump in the repository; only accounts (from their attribute records). */
  source: 'dump' | 'journal';
  /** Key of the dump used. */
  dumpKey?: string;
  /** Created (dry run: would be created). */
  created: DirectoryObjectOutcome[];
  /** Already present on the target. */
  skipped: DirectoryObjectOutcome[];
  /** Failed, with the reason. */
  failures: DirectoryObjectOutcome[];
  /** Accounts created without a password hash in the backup: their generated passwords, reported once. */
  generatedPasswords: Array<{ name: string; password: Secret }>;
  /** True for a dry run. */
  dryRun: boolean;
  /** Wall time in ms. */
  durationMs: number;
}

interface PlannedObject {
  kind: DirectoryObjectKind;
  name: string;
  attrs: ZimbraAttrs;
  members?: string[];
  /** Aliases of an account or list, added after it is created. */
  aliases?: string[];
  /** A dynamic group (distributionList kind). */
  dynamic?: boolean;
}

function inDomain(name: string, domain: string | undefined): boolean {
  return (
    domain === undefined ||
    name.toLowerCase().endsWith(`@${domain.toLowerCase()}`) ||
    name.toLowerCase() === domain.toLowerCase()
  );
}

async function planFromDump(
  opts: RestoreDirectoryOptions,
  key: string,
  cosNames: Map<string, string>,
): Promise<PlannedObject[]> {
  const out: PlannedObject[] = [];
  const wantAccounts = opts.accounts?.map((a) => a.toLowerCase());
  const aliases = new AliasCollector();
  const sourceIds = new Map<PlannedObject, string>();
  const groups = new GroupMembership();
  for await (const e of dumpEntries(opts.repository.backend, key, opts.signal)) {
    aliases.add(e);
    groups.add(e);
    if (e.kind === 'cos') {
      const name = entryValue(e, 'cn');
      const id = entryValue(e, 'zimbraId');
      if (name && id) cosNames.set(id, name);
      if (name) out.push({ kind: 'cos', name, attrs: creatableAttrs(e.attributes) });
    } else if (e.kind === 'domain') {
      const name = entryValue(e, 'zimbraDomainName');
      if (name && inDomain(name, opts.domain) && !wantAccounts)
        out.push({ kind: 'domain', name, attrs: creatableAttrs(e.attributes) });
    } else if (e.kind === 'account') {
      const name = entryAddress(e);
      const id = entryValue(e, 'zimbraId')?.toLowerCase();
      if (!name || !inDomain(name, opts.domain)) continue;
      if (wantAccounts && !wantAccounts.includes(name) && !(id && wantAccounts.includes(id))) continue;
      const attrs = creatableAttrs(e.attributes);
      const hash = passwordHash(e);
      const planned: PlannedObject = {
        kind: 'account',
        name,
        attrs: { ...copyableAccountAttrs(attrs), ...(hash ? { userPassword: hash } : {}) },
      };
      if (id) sourceIds.set(planned, id);
      out.push(planned);
    } else if (e.kind === 'distributionList' || e.kind === 'dynamicGroup') {
      const name = entryAddress(e);
      if (!name || !inDomain(name, opts.domain) || wantAccounts) continue;
      const planned: PlannedObject = { kind: 'distributionList', ...groups.plan(e, name) };
      const id = entryValue(e, 'zimbraId')?.toLowerCase();
      if (id) sourceIds.set(planned, id);
      out.push(planned);
    }
  }
  // alias entries may come after their account in the dump: attached once all are read
  for (const [o, id] of sourceIds) {
    const list = aliases.forTarget(id, o.name);
    if (list.length) o.aliases = list;
  }
  return out;
}

async function planFromJournals(opts: RestoreDirectoryOptions): Promise<PlannedObject[]> {
  const out: PlannedObject[] = [];
  const wantAccounts = opts.accounts?.map((a) => a.toLowerCase());
  for (const a of await opts.repository.accounts(opts.signal)) {
    if (!inDomain(a.name, opts.domain)) continue;
    if (wantAccounts && !wantAccounts.includes(a.name.toLowerCase()) && !wantAccounts.includes(a.id)) continue;
    const j = await opts.repository.journal(a.id, { readOnly: true, ...(opts.signal ? { signal: opts.signal } : {}) });
    try {
      const at = opts.at === undefined ? undefined : opts.at instanceof Date ? opts.at.getTime() : opts.at;
      const state = at === undefined ? j.current() : await j.stateAt(at);
      if (state.seq > 0) out.push({ kind: 'account', name: a.name, attrs: copyableAccountAttrs(state.account?.attrs) });
    } finally {
      await j.close();
    }
  }
  return out;
}

const ORDER: Record<DirectoryObjectKind, number> = { cos: 0, domain: 1, account: 2, alias: 3, distributionList: 4 };

function existsFault(err: unknown): boolean {
  return /^account\.(ACCOUNT|DOMAIN|COS|DISTRIBUTION_LIST)_EXISTS$/.test(faultCodeOf(err) ?? '');
}

/**
 * Recreates directory objects from the repository's newest directory dump, through admin SOAP.
 * @throws `ZB_INVALID_ARGUMENT`, `ZB_ABORTED`, storage and LDIF errors (`ZB_PROTOCOL`); per-object
 *   SOAP faults are reported in `failures`.
 * @example
 * ```ts
 * const r = await restoreDirectory({ repository, client, domain: 'example.test' });
 * for (const p of r.generatedPasswords) console.log(p.name, p.password.reveal());
 * ```
 */
export async function restoreDirectory(opts: RestoreDirectoryOptions): Promise<RestoreDirectoryResult> {
  const started = Date.now();
  const kinds = new Set<DirectoryObjectKind>(opts.objects ?? ['cos', 'domain', 'account', 'alias', 'distributionList']);
  for (const k of kinds)
    if (!(k in ORDER))
      throw new ZimbraBackupError(`unknown directory object kind ${k}`, {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'objects' },
      });
  const at = opts.at === undefined ? undefined : opts.at instanceof Date ? opts.at.getTime() : opts.at;
  const key = await findDirectoryDump(opts.repository.backend, at, opts.signal);
  const oldCosNames = new Map<string, string>();
  const planned = (key ? await planFromDump(opts, key, oldCosNames) : await planFromJournals(opts))
    .filter((o) => kinds.has(o.kind))
    .sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
  if (!kinds.has('alias')) for (const o of planned) delete o.aliases;
  const result: RestoreDirectoryResult = {
    source: key ? 'dump' : 'journal',
    ...(key ? { dumpKey: key } : {}),
    created: [],
    skipped: [],
    failures: [],
    generatedPasswords: [],
    dryRun: opts.dryRun === true,
    durationMs: 0,
  };
  if (opts.dryRun) {
    result.created = planned.flatMap((o) => [
      { kind: o.kind, name: o.name },
      ...(o.aliases ?? []).map((alias) => ({ kind: 'alias' as const, name: alias, target: o.name })),
    ]);
    return { ...result, durationMs: Date.now() - started };
  }
  const io = opts.signal ? { signal: opts.signal } : {};
  const newCosIds = new Map((await opts.client.getAllCos(io)).map((c) => [c.name.toLowerCase(), c.id] as const));
  let done = 0;
  for (const o of planned) {
    throwIfAborted(opts.signal);
    try {
      const id = await createObject(opts, o, remapCos(o.attrs, oldCosNames, newCosIds), result);
      if (o.kind === 'cos') newCosIds.set(o.name.toLowerCase(), id);
      result.created.push({ kind: o.kind, name: o.name, id });
      // Aliases only for an account or list this run created: an existing one is not modified.
      const target = o.kind === 'account' ? 'account' : 'group';
      if (o.aliases?.length)
        for (const a of await addAliases(opts.client, target, id, o.aliases, opts.signal)) {
          const out = {
            kind: 'alias' as const,
            name: a.alias,
            target: o.name,
            ...(a.reason ? { reason: a.reason } : {}),
          };
          (a.status === 'created' ? result.created : a.status === 'existing' ? result.skipped : result.failures).push(
            out,
          );
        }
    } catch (err) {
      if (existsFault(err)) result.skipped.push({ kind: o.kind, name: o.name, reason: 'exists' });
      else result.failures.push({ kind: o.kind, name: o.name, reason: (err as Error).message });
    }
    opts.onProgress?.({ phase: 'directory', loaded: ++done, total: planned.length });
  }
  return { ...result, durationMs: Date.now() - started };
}

async function createObject(
  opts: RestoreDirectoryOptions,
  o: PlannedObject,
  attrs: ZimbraAttrs,
  result: RestoreDirectoryResult,
): Promise<string> {
  const io = opts.signal ? { signal: opts.signal } : {};
  switch (o.kind) {
    case 'cos':
      return (await opts.client.send(CreateCos, { name: o.name, attrs }, io)).id;
    case 'domain':
      return (await opts.client.send(CreateDomain, { name: o.name, attrs }, io)).id;
    case 'account': {
      // Without a password hash in the backup, the account gets a random password reported once.
      const password = attrs['userPassword'] ? undefined : new Secret(randomBytes(18).toString('base64url'));
      const created = await opts.client.createAccount(o.name, password, attrs, io);
      if (password) result.generatedPasswords.push({ name: o.name, password });
      return created.id;
    }
    case 'distributionList': {
      const dl = await opts.client.send(
        CreateDistributionList,
        { name: o.name, attrs, ...(o.dynamic ? { dynamic: true } : {}) },
        io,
      );
      if (o.members?.length) await opts.client.send(AddDistributionListMember, { id: dl.id, members: o.members }, io);
      return dl.id;
    }
    case 'alias':
      // aliases are planned on their account or list (PlannedObject.aliases), never on their own
      throw new ZimbraBackupError('an alias is added with its account or list', { code: 'ZB_INVALID_ARGUMENT' });
  }
}
