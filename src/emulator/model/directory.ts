/**
 * The provisioning directory (what LDAP holds on a real server): servers, domains, classes of
 * service, accounts with their mailboxes, and distribution lists. Attribute values are always
 * strings, multi-valued attributes are arrays (PROTOCOL.md section 6).
 */
import { randomUUID } from 'node:crypto';
import { SoapFault, faults } from '../wire/soap-fault.js';
import { Mailbox, type ChangeEvent } from './mailbox.js';
import { copyMailbox } from './mailbox-move.js';
import { encodePassword, verifyPassword } from './passwords.js';
import { MailboxClock } from './clock.js';

/** Multi-valued attribute map. */
export type Attrs = Record<string, string[]>;

/** A named directory entry. */
export interface DirEntry {
  id: string;
  name: string;
  attrs: Attrs;
}

/** An account entry with its mailbox; the password is the `userPassword` attribute (see passwords.ts). */
export interface AccountEntry extends DirEntry {
  isAdmin: boolean;
  /** Signature entries (LDAP children of the account): id, name and their attributes. */
  signatures: Array<{ id: string; name: string; attrs: Record<string, string> }>;
  mailbox: Mailbox;
}

/** A distribution list entry. */
export interface DlEntry extends DirEntry {
  members: string[];
  /** A dynamic group (objectClass zimbraGroup): membership by `memberURL`. */
  dynamic?: boolean;
}

/** Generalized time (`20240101120000Z`). */
export function genTime(ms = Date.now()): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** Turns single or multiple values into an attribute map. */
export function toAttrs(input: Record<string, string | string[]> | undefined): Attrs {
  const out: Attrs = {};
  for (const [k, v] of Object.entries(input ?? {})) out[k] = Array.isArray(v) ? [...v] : [v];
  return out;
}

/** The in-memory directory. */
export class Directory {
  readonly servers: DirEntry[] = [];
  readonly domains = new Map<string, DirEntry>();
  readonly coses = new Map<string, DirEntry>();
  readonly accounts = new Map<string, AccountEntry>();
  readonly dls = new Map<string, DlEntry>();
  private readonly accountsById = new Map<string, AccountEntry>();
  /** The clock of every mailbox (clock.ts): advanced by `Emulator.advanceClock`. */
  readonly clock = new MailboxClock();
  /** Alias address to the account or list it names (`zimbraAlias` entries). */
  readonly aliases = new Map<string, AccountEntry | DlEntry>();
  private nextMailboxId = 1;
  /** Chooses the mailbox server of a new account that names none (a cluster spreads them). */
  placeAccount: () => string = () => this.serverName;

  constructor(
    readonly serverName: string,
    private readonly changeListener?: (e: ChangeEvent) => void,
  ) {
    this.addServer(serverName);
    this.createCos('default', {});
  }

  /**
   * Adds a mailbox server entry (`CreateServerRequest`): a cluster shares one directory, and
   * each account's `zimbraMailHost` names the server that holds its mailbox.
   */
  addServer(name: string): DirEntry {
    if (this.servers.some((s) => s.name === name)) throw faults.invalidRequest(`server exists: ${name}`);
    const id = randomUUID();
    const entry: DirEntry = {
      id,
      name,
      attrs: toAttrs({
        zimbraId: id,
        cn: name,
        zimbraServiceHostname: name,
        zimbraServiceEnabled: ['mailbox', 'service', 'zimbra', 'zimbraAdmin'],
        zimbraServiceInstalled: ['mailbox', 'service', 'zimbra', 'zimbraAdmin'],
        zimbraMailMode: 'http',
      }),
    };
    this.servers.push(entry);
    return entry;
  }

  /** The server that holds an account's mailbox (its `zimbraMailHost`). */
  homeServer(a: AccountEntry): string {
    return a.attrs['zimbraMailHost']?.[0] ?? this.serverName;
  }

  /** The first server (the only one of a single-server emulator). */
  get server(): DirEntry {
    return this.servers[0]!;
  }

  /** Creates a domain (`account.DOMAIN_EXISTS`). */
  createDomain(name: string, attrs?: Record<string, string | string[]>): DirEntry {
    const key = name.toLowerCase();
    if (this.domains.has(key)) throw faults.domainExists(name);
    const id = randomUUID();
    const entry = {
      id,
      name: key,
      attrs: {
        ...toAttrs(attrs),
        zimbraId: [id],
        zimbraDomainName: [key],
        zimbraDomainStatus: ['active'],
        zimbraDomainType: ['local'],
      },
    };
    this.domains.set(key, entry);
    return entry;
  }

  /** Creates a class of service (`account.COS_EXISTS`). */
  createCos(name: string, attrs?: Record<string, string | string[]>): DirEntry {
    if (this.coses.has(name.toLowerCase())) throw faults.cosExists(name);
    const id = randomUUID();
    const entry = { id, name, attrs: { ...toAttrs(attrs), zimbraId: [id], cn: [name] } };
    this.coses.set(name.toLowerCase(), entry);
    return entry;
  }

  private domainOf(address: string): string {
    const at = address.lastIndexOf('@');
    if (at <= 0 || at === address.length - 1) throw faults.invalidRequest(`invalid email address: ${address}`);
    const domain = address.slice(at + 1).toLowerCase();
    if (!this.domains.has(domain)) throw faults.noSuchDomain(domain);
    return domain;
  }

  /** Creates an account and its mailbox (`account.ACCOUNT_EXISTS`, `account.NO_SUCH_DOMAIN`). */
  createAccount(
    name: string,
    password: string,
    attrs?: Record<string, string | string[]>,
    isAdmin = false,
  ): AccountEntry {
    const key = name.toLowerCase();
    this.domainOf(key);
    if (this.addressTaken(key)) throw faults.accountExists(name);
    const id = randomUUID();
    const local = key.slice(0, key.indexOf('@'));
    const given = toAttrs(attrs)['zimbraMailHost']?.[0];
    const host = given ?? this.placeAccount();
    if (!this.servers.some((s) => s.name === host)) throw faults.invalidRequest(`no such server: ${host}`);
    const a: Attrs = {
      uid: [local],
      cn: [local],
      sn: [local],
      mail: [key],
      zimbraMailDeliveryAddress: [key],
      zimbraAccountStatus: ['active'],
      zimbraMailHost: [host],
      zimbraMailTransport: [`lmtp:${host}:7025`],
      zimbraCreateTimestamp: [genTime()],
      zimbraMailStatus: ['enabled'],
      ...toAttrs(attrs),
      zimbraId: [id],
    };
    if (isAdmin) a['zimbraIsAdminAccount'] = ['TRUE'];
    // a given userPassword is already a hash (a restore); otherwise the password is hashed, and
    // an account created without either has none and cannot log in (LdapProvisioning.createAccount)
    if (!a['userPassword']?.[0] && password !== '') a['userPassword'] = [encodePassword(password)];
    const entry: AccountEntry = {
      id,
      name: key,
      attrs: a,
      isAdmin,
      signatures: [],
      mailbox: new Mailbox(id, this.nextMailboxId++, this.clock),
    };
    entry.mailbox.onChange(this.changeListener);
    this.accounts.set(key, entry);
    this.accountsById.set(id, entry);
    return entry;
  }

  /** All accounts, by name. */
  allAccounts(): AccountEntry[] {
    return [...this.accounts.values()].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  }

  /** Finds an account by name or zimbraId. */
  findAccount(nameOrId: string): AccountEntry | undefined {
    const key = nameOrId.toLowerCase();
    const viaAlias = this.aliases.get(key);
    return (
      this.accountsById.get(nameOrId) ??
      this.accounts.get(key) ??
      (viaAlias && 'mailbox' in viaAlias ? viaAlias : undefined)
    );
  }

  /** Finds an account or raises `account.NO_SUCH_ACCOUNT`. */
  account(nameOrId: string): AccountEntry {
    const a = this.findAccount(nameOrId);
    if (!a) throw faults.noSuchAccount(nameOrId);
    return a;
  }

  /** Deletes an account and its mailbox. */
  deleteAccount(nameOrId: string): void {
    const a = this.account(nameOrId);
    this.accounts.delete(a.name);
    this.accountsById.delete(a.id);
    for (const alias of a.attrs['zimbraMailAlias'] ?? []) this.aliases.delete(alias);
    this.onMailboxDeleted?.(a.id, this.homeServer(a));
  }

  /** Called after an account's mailbox is deleted, with its home server (WaitSets signal MAILBOX_DELETED). */
  onMailboxDeleted: ((accountId: string, server: string) => void) | undefined;

  /**
   * Moves an account's mailbox to another server: a new mailbox there holds the same items
   * (mailbox-move.ts), and `zimbraMailHost`/`zimbraMailTransport` name the new server.
   */
  moveAccount(a: AccountEntry, host: string): void {
    if (!this.servers.some((s) => s.name === host)) throw faults.invalidRequest(`no such server: ${host}`);
    if (this.homeServer(a) === host) return;
    const moved = copyMailbox(a.mailbox, this.nextMailboxId++);
    a.mailbox.onChange(undefined);
    moved.onChange(this.changeListener);
    a.mailbox = moved;
    a.attrs['zimbraMailHost'] = [host];
    a.attrs['zimbraMailTransport'] = [`lmtp:${host}:7025`];
  }

  /**
   * The class of service of an account (`Provisioning.getCOS`): its `zimbraCOSId`, else its
   * domain's `zimbraDomainDefaultCOSId`, else `default`.
   */
  cosOf(a: AccountEntry): DirEntry | undefined {
    const byId = (id: string | undefined): DirEntry | undefined =>
      id === undefined ? undefined : [...this.coses.values()].find((c) => c.id === id);
    const domain = this.domains.get(a.name.slice(a.name.lastIndexOf('@') + 1));
    return (
      byId(a.attrs['zimbraCOSId']?.[0]) ??
      byId(domain?.attrs['zimbraDomainDefaultCOSId']?.[0]) ??
      this.coses.get('default')
    );
  }

  /** Whether an address is used by an account, a list or an alias. */
  addressTaken(address: string): boolean {
    const key = address.toLowerCase();
    return this.accounts.has(key) || this.dls.has(key) || this.aliases.has(key);
  }

  /**
   * Adds an alias to an account or list (`LdapProvisioning.addAlias`): its domain must exist
   * (`account.NO_SUCH_DOMAIN`), the address must be free (`account.ACCOUNT_EXISTS`); the alias
   * joins `zimbraMailAlias` and `mail`.
   */
  addAlias(entry: AccountEntry | DlEntry, alias: string): void {
    const key = alias.toLowerCase();
    this.domainOf(key);
    if (this.addressTaken(key)) throw faults.accountExists(alias);
    this.aliases.set(key, entry);
    entry.attrs['zimbraMailAlias'] = [...(entry.attrs['zimbraMailAlias'] ?? []), key];
    entry.attrs['mail'] = [...(entry.attrs['mail'] ?? []), key];
  }

  /** Removes an alias (`account.NO_SUCH_ALIAS` when the entry does not have it). */
  removeAlias(entry: AccountEntry | DlEntry, alias: string): void {
    const key = alias.toLowerCase();
    if (this.aliases.get(key) !== entry) throw new SoapFault('account.NO_SUCH_ALIAS', `no such alias: ${alias}`);
    this.aliases.delete(key);
    entry.attrs['zimbraMailAlias'] = (entry.attrs['zimbraMailAlias'] ?? []).filter((a) => a !== key);
    entry.attrs['mail'] = (entry.attrs['mail'] ?? []).filter((a) => a !== key);
  }

  /**
   * Renames an account (`LdapProvisioning.renameAccount`): the new address must be free and in an
   * existing domain; `uid`, `mail` and `zimbraMailDeliveryAddress` follow; aliases stay.
   */
  renameAccount(a: AccountEntry, newName: string): void {
    const key = newName.toLowerCase();
    this.domainOf(key);
    if (key === a.name) return;
    if (this.addressTaken(key)) throw faults.accountExists(newName);
    const old = a.name;
    this.accounts.delete(old);
    a.name = key;
    this.accounts.set(key, a);
    a.attrs['uid'] = [key.slice(0, key.indexOf('@'))];
    a.attrs['mail'] = [key, ...(a.attrs['mail'] ?? []).filter((m) => m !== old && m !== key)];
    a.attrs['zimbraMailDeliveryAddress'] = [key];
  }

  /** Whether `plain` is the account's password (`AuthMechanism.ZimbraAuth.doAuth`). */
  checkPassword(a: AccountEntry, plain: string): boolean {
    return verifyPassword(a.attrs['userPassword']?.[0], plain);
  }

  /** Sets a new password, stored hashed (`LdapProvisioning.setPassword`). */
  setPassword(a: AccountEntry, plain: string): void {
    a.attrs['userPassword'] = [encodePassword(plain)];
    a.attrs['zimbraPasswordModifiedTime'] = [genTime()];
  }

  /** Replaces attributes of an account (an empty list removes the attribute). */
  modifyAccount(a: AccountEntry, attrs: Attrs): void {
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'zimbraId') throw faults.invalidRequest('zimbraId is immutable');
      if (v.length === 0 || (v.length === 1 && v[0] === '')) delete a.attrs[k];
      else a.attrs[k] = v;
    }
    const status = a.attrs['zimbraIsAdminAccount']?.[0];
    a.isAdmin = status === 'TRUE';
  }

  /**
   * Creates a distribution list, or with `dynamic` a dynamic group as LdapProvisioning.createDynamicGroup
   * does: without a `memberURL` it gets the default one (members are the accounts that are
   * `zimbraMemberOf` it: LdapDynamicGroup.getDefaultMemberURL) and `zimbraIsACLGroup` TRUE (FALSE is
   * refused); with a custom `memberURL` membership is the server's LDAP query, which the emulator
   * does not evaluate (no members), and members cannot be added.
   */
  createDistributionList(
    name: string,
    members: string[] = [],
    attrs?: Record<string, string | string[]>,
    dynamic = false,
  ): DlEntry {
    const key = name.toLowerCase();
    this.domainOf(key);
    if (this.addressTaken(key)) throw faults.dlExists(name);
    const id = randomUUID();
    const given = toAttrs(attrs);
    const extra: Record<string, string[]> = {};
    if (dynamic && !given['memberURL']?.length) {
      if (given['zimbraIsACLGroup']?.[0] === 'FALSE')
        throw faults.invalidRequest('No custom memberURL is provided, zimbraIsACLGroup cannot be set to FALSE');
      extra['memberURL'] = [`ldap:///??sub?(|(zimbraMemberOf=${id})(zimbraId=${randomUUID()}))`];
      extra['zimbraIsACLGroup'] = ['TRUE'];
    } else if (dynamic && !given['zimbraIsACLGroup']?.length) extra['zimbraIsACLGroup'] = ['TRUE'];
    const entry: DlEntry = {
      id,
      name: key,
      members: [],
      // LdapProvisioning.createDistributionList / createDynamicGroup: unlike an account (whose own
      // address is zimbraMailDeliveryAddress), a list keeps its own address in zimbraMailAlias
      // beside its aliases; the by-name lookups match zimbraMailAlias (UBIDLdapFilterFactory).
      attrs: { zimbraMailStatus: ['enabled'], ...given, ...extra, zimbraId: [id], mail: [key], zimbraMailAlias: [key] },
      ...(dynamic ? { dynamic: true } : {}),
    };
    this.dls.set(key, entry);
    this.addMembers(entry, members);
    return entry;
  }

  /**
   * Adds members to a list (duplicates ignored). A static list keeps them in
   * `zimbraMailForwardingAddress`; a dynamic group's members are accounts marked `zimbraMemberOf`.
   */
  addMembers(dl: DlEntry, members: string[]): void {
    if (members.length === 0) return;
    if (dl.dynamic && !customMemberUrl(dl))
      for (const m of members) {
        const a = this.findAccount(m);
        if (!a) throw faults.noSuchAccount(m);
        const of = a.attrs['zimbraMemberOf'] ?? [];
        if (!of.includes(dl.id)) a.attrs['zimbraMemberOf'] = [...of, dl.id];
      }
    else if (dl.dynamic) throw faults.invalidRequest('cannot add members to dynamic group with custom memberURL');
    for (const m of members) if (!dl.members.includes(m.toLowerCase())) dl.members.push(m.toLowerCase());
    if (!dl.dynamic) dl.attrs['zimbraMailForwardingAddress'] = [...dl.members];
  }

  /** Finds a list by name or id, or raises `account.NO_SUCH_DISTRIBUTION_LIST`. */
  dl(nameOrId: string): DlEntry {
    const viaAlias = this.aliases.get(nameOrId.toLowerCase());
    const dl =
      this.dls.get(nameOrId.toLowerCase()) ??
      [...this.dls.values()].find((d) => d.id === nameOrId) ??
      (viaAlias && !('mailbox' in viaAlias) ? viaAlias : undefined);
    if (!dl) throw faults.noSuchDl(nameOrId);
    return dl;
  }
}

/** True when a dynamic group's membership is a custom LDAP query (not the default zimbraMemberOf one). */
function customMemberUrl(dl: DlEntry): boolean {
  const url = dl.attrs['memberURL']?.[0] ?? '';
  return !url.includes(`(zimbraMemberOf=${dl.id})`);
}
