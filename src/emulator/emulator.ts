/**
 * The emulator object: two loopback listeners over one in-memory Zimbra (directory, mailboxes,
 * WaitSets, uploads), plus a mutation API that changes mailboxes the way mail delivery and
 * users do, so tests and benchmarks can drive the server from outside.
 */
import { randomBytes } from 'node:crypto';
import { resolveLogger, type Logger } from '../internal/logger.js';
import { ZimbraBackupError } from '../errors.js';
import type { EmulatorState } from './handlers/context.js';
import { AuthTokens } from './model/auth-token.js';
import { Directory, type AccountEntry } from './model/directory.js';
import {
  createFolderPath,
  deleteFolder,
  moveFolder,
  renameFolder,
  resolveFolder,
  type FolderRef,
} from './model/folder-ops.js';
import type { ContactPart } from './model/item.js';
import {
  addMessage,
  createContact,
  deleteItems,
  modifyContact,
  moveItems,
  saveDocument,
  setCalendarItem,
  setFlags,
  setTags,
} from './model/item-ops.js';
import type { WaitSetTimeoutClamp } from './model/waitsets.js';
import { FaultInjector } from './http/fault-injector.js';
import { DosFilter, type DosFilterOptions } from './http/dos-filter.js';
import { EmulatorStats } from './http/server.js';
import type { HomeResolver } from './http/proxy.js';
import { ServerNode } from './server-node.js';
import { applyCorpus } from './seed-apply.js';
import { createNote } from './model/notes.js';
import { purgeMailbox, type PurgeResult } from './model/purge.js';
import { snapshotOf, type MailboxSnapshot } from './snapshot.js';
import type { Corpus } from './seed/corpus-types.js';

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Mail port on 127.0.0.1 (default 0: a free port). */
  port?: number;
  /** Admin port on 127.0.0.1 (default 0: a free port). */
  adminPort?: number;
  /** Default domain, created at start (default `example.test`). */
  domain?: string;
  /** Admin account name (default `admin@<domain>`). */
  adminUser?: string;
  /** Admin password (default: random). */
  adminPassword?: string;
  /** The server's `zimbraServiceHostname`, also every account's `zimbraMailHost` (default `mail.<domain>`). */
  serverName?: string;
  /** User and delegated token lifetime in ms (default 2 days, `zimbraAuthTokenLifetime`). */
  authTokenLifetimeMs?: number;
  /** Admin token lifetime in ms (default 12 hours, `zimbraAdminAuthTokenLifetime`). */
  adminAuthTokenLifetimeMs?: number;
  /** WaitSet timeout bounds in seconds (default min 0, default 300, max 3600); a number sets the maximum. */
  waitSetTimeoutClamp?: number | WaitSetTimeoutClamp;
  /** Logger (default silent). */
  logger?: Logger | false;
  /**
   * Test switch: qualify item ids on behalf of another mailbox even when the request carries
   * `<noqualify/>`, as a handler that ignores the header does (ItemActionHelper.java always
   * qualifies). Default false: `<noqualify/>` is honoured as ZimbraSoapContext.java does.
   */
  ignoreNoQualify?: boolean;
  /**
   * Largest upload in bytes, as `zimbraMtaMaxMessageSize` (default 10240000, Zimbra's default;
   * 0: no limit); with `lbfums` the servlet applies `zimbraFileUploadMaxSize` (default 10485760).
   */
  uploadMaxBytes?: number | { mtaMaxMessageSize?: number; fileUploadMaxSize?: number };
  /**
   * Zimbra's DoSFilter (`zimbraHttpDosFilterMaxRequestsPerSec`, 30 on a real server): over that
   * many requests per second per connection (or per auth cookie's account) answer HTTP 429.
   * Default off; see also {@link Emulator.setDosFilter}.
   */
  dosFilter?: DosFilterOptions;
  /**
   * Start the mailbox clock this many ms ahead of the real one (item, change and tombstone dates,
   * purge lifetimes; model/clock.ts). Default 0. See also {@link Emulator.advanceClock}.
   */
  clockOffsetMs?: number;
  /**
   * Mailbox servers sharing one directory (default 1). Server 1 is `serverName`, server N>1 is
   * `mail<N>.<domain>`; each has its own mail and admin ports (`port`/`adminPort` apply to the
   * first) and its own mailboxes, WaitSets and uploads; new accounts are spread over them in
   * turn by `zimbraMailHost` unless their attributes name one.
   */
  servers?: number;
  /**
   * Whether the servers' redo logs are on (`zimbraRedoLogEnabled`, default true as on a stock
   * server). All-accounts WaitSets hear changes only through the redo log's commit callback
   * (Mailbox.java, AllAccountsWaitSet.java), so with it off they stay silent; explicit-account
   * WaitSets still signal. See also {@link Emulator.setRedoLog}.
   */
  redoLog?: boolean;
  /**
   * Localconfig `notes_enabled` of every server (LC.java, default false as on a stock server):
   * only then does MailService register CreateNoteRequest; otherwise it is an unknown document.
   * See also {@link Emulator.setNotesEnabled}.
   */
  notesEnabled?: boolean;
}

/** One mailbox server of a running emulator. */
export interface EmulatorServerInfo {
  /** `zimbraServiceHostname`, the value of its accounts' `zimbraMailHost`. */
  name: string;
  /** Its zimbraId. */
  id: string;
  /** Mail base URL. */
  url: string;
  /** Admin base URL. */
  adminUrl: string;
  /** False while stopped by {@link Emulator.stopServer}. */
  running: boolean;
}

/** An id and name pair returned by the provisioning API. */
export interface NamedId {
  id: string;
  name: string;
}

/** Options of {@link Emulator.deliver}. */
export interface DeliverOptions {
  /** Absolute folder path (created if missing), e.g. `/Inbox/lists`. */
  folderPath?: string;
  /** Folder id (default Inbox, 2). */
  folderId?: number;
  /** Zimbra flag letters (`u` unread, `f` flagged...). */
  flags?: string;
  /** Tag names (created if missing). */
  tags?: string[];
  /** Received date in ms (default now). */
  receivedMs?: number;
}

/** A running emulator. */
export class Emulator {
  /** Fault injection script applied to each HTTP request. */
  readonly faults = new FaultInjector();
  /** The DoSFilter rate limit (off unless `dosFilter` or {@link Emulator.setDosFilter}); `rejected` counts 429s. */
  readonly dos = new DosFilter();
  /** Request counts by name (all servers together). */
  readonly stats = new EmulatorStats();
  /** The first server's state (the directory is the cluster's). */
  private readonly state: EmulatorState;
  private readonly nodes: ServerNode[] = [];
  private readonly logger: Logger;

  /** @internal use {@link startEmulator}. */
  constructor(
    private readonly opts: EmulatorOptions,
    /** Admin account name. */
    readonly adminUser: string,
    /** Admin password. */
    readonly adminPassword: string,
  ) {
    this.logger = resolveLogger(opts.logger);
    this.dos.configure(opts.dosFilter);
    const clampOpt =
      typeof opts.waitSetTimeoutClamp === 'number'
        ? { maxSeconds: opts.waitSetTimeoutClamp }
        : (opts.waitSetTimeoutClamp ?? {});
    const clamp = {
      minSeconds: clampOpt.minSeconds ?? 0,
      defaultSeconds: clampOpt.defaultSeconds ?? 300,
      maxSeconds: clampOpt.maxSeconds ?? 3600,
    };
    const domain = opts.domain ?? 'example.test';
    const count = opts.servers ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 64) {
      throw new ZimbraBackupError('servers must be an integer from 1 to 64', {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'servers' },
      });
    }
    // A change is signalled to the WaitSets of the account's home server only: WaitSets are local.
    const directory = new Directory(opts.serverName ?? `mail.${domain}`, (e) => {
      const a = directory.findAccount(e.accountId);
      if (a) this.node(directory.homeServer(a))?.state.waitSets.onChange(e);
    });
    if (opts.clockOffsetMs !== undefined) directory.clock.advance(opts.clockOffsetMs);
    directory.onMailboxDeleted = (id, server) => this.node(server)?.state.waitSets.mailboxDeleted(id);
    directory.createDomain(domain);
    directory.createAccount(adminUser, adminPassword, { zimbraIsAdminAccount: 'TRUE' }, true);
    const home: HomeResolver = (account) => {
      const a = directory.findAccount(account);
      const node = a && this.node(directory.homeServer(a));
      return (
        node && { name: node.name, local: false, mailUrl: node.url, adminUrl: node.adminUrl, running: node.running }
      );
    };
    const shared = {
      directory,
      tokens: new AuthTokens(),
      clamp,
      authTokenLifetimeMs: opts.authTokenLifetimeMs ?? 2 * 24 * 3600 * 1000,
      adminAuthTokenLifetimeMs: opts.adminAuthTokenLifetimeMs ?? 12 * 3600 * 1000,
      faults: this.faults,
      stats: this.stats,
      logger: this.logger,
      home,
      ignoreNoQualify: opts.ignoreNoQualify === true,
      notesEnabled: opts.notesEnabled === true,
      dosFilter: this.dos,
      redoLog: opts.redoLog !== false,
      uploadLimits: {
        mtaMaxMessageSize:
          typeof opts.uploadMaxBytes === 'number'
            ? opts.uploadMaxBytes
            : (opts.uploadMaxBytes?.mtaMaxMessageSize ?? 10_240_000),
        fileUploadMaxSize:
          typeof opts.uploadMaxBytes === 'number'
            ? opts.uploadMaxBytes
            : (opts.uploadMaxBytes?.fileUploadMaxSize ?? 10_485_760),
      },
    };
    for (let i = 0; i < count; i++) {
      const entry = i === 0 ? directory.server : directory.addServer(`mail${i + 1}.${domain}`);
      const ports: [number, number] = i === 0 ? [opts.port ?? 0, opts.adminPort ?? 0] : [0, 0];
      this.nodes.push(new ServerNode(entry, shared, ...ports));
    }
    for (const n of this.nodes) n.state.uploads.link(this.nodes.map((x) => x.state.uploads));
    let turn = 0;
    directory.placeAccount = () => this.nodes[turn++ % this.nodes.length]!.name;
    this.state = this.nodes[0]!.state;
  }

  private node(name: string): ServerNode | undefined {
    return this.nodes.find((n) => n.name === name);
  }

  private nodeOf(server: string): ServerNode {
    const n = this.node(server) ?? this.nodes.find((x) => x.entry.id === server);
    if (!n) throw new ZimbraBackupError(`no such server: ${server}`, { code: 'ZB_INVALID_ARGUMENT' });
    return n;
  }

  /** Mail base URL of the first server, `http://127.0.0.1:P`. */
  get url(): string {
    return this.nodes[0]!.url;
  }

  /** Admin base URL of the first server, `http://127.0.0.1:A`. */
  get adminUrl(): string {
    return this.nodes[0]!.adminUrl;
  }

  /** @internal binds every server's listeners. */
  async start(): Promise<void> {
    for (const n of this.nodes) await n.start();
  }

  /** Switches Zimbra's DoSFilter rate limit on (`{ maxRequestsPerSec }`) or off (`undefined`). */
  setDosFilter(opts: DosFilterOptions | undefined): void {
    this.dos.configure(opts);
  }

  /**
   * Switches the redo log of one server (by name or id), or of all, on or off
   * (`zimbraRedoLogEnabled`): while off, all-accounts WaitSets receive no signals.
   */
  setRedoLog(enabled: boolean, server?: string): void {
    for (const n of server === undefined ? this.nodes : [this.nodeOf(server)])
      n.state.waitSets.redoLog.enabled = enabled;
  }

  /**
   * Sets localconfig `notes_enabled` on every server, as `zmlocalconfig -e notes_enabled=…` and a
   * mailbox restart would (MailService registers the note commands at start-up).
   */
  setNotesEnabled(enabled: boolean): void {
    for (const n of this.nodes) n.state.notesEnabled = enabled;
  }

  /** Stops every server, dropping open connections and WaitSets. */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }

  /** A restart of every server: connections, WaitSets and sessions are dropped; data and tokens survive; same ports. */
  async restart(): Promise<void> {
    await this.close();
    await this.start();
  }

  /** The mailbox servers, in order (`GetAllServersRequest service=mailbox` lists the same). */
  servers(): EmulatorServerInfo[] {
    return this.nodes.map((n) => ({
      name: n.name,
      id: n.entry.id,
      url: n.url,
      adminUrl: n.adminUrl,
      running: n.running,
    }));
  }

  /** Stops one server (by name or id): its listeners close and its WaitSets are gone; its data stays. */
  async stopServer(server: string): Promise<void> {
    await this.nodeOf(server).stop();
  }

  /** Starts a stopped server again on the same ports (with no WaitSets, as after a real restart). */
  async startServer(server: string): Promise<void> {
    await this.nodeOf(server).start();
  }

  /** The name of the server that holds an account's mailbox. */
  homeServer(account: string): string {
    return this.state.directory.homeServer(this.acct(account));
  }

  /**
   * Moves an account to another server, as `zmmboxmove` does: the new server holds the same
   * items (same ids) in a new mailbox with its own change counter, so old sync tokens are
   * meaningless there; `zimbraMailHost` changes.
   */
  moveAccount(account: string, server: string): void {
    this.state.directory.moveAccount(this.acct(account), this.nodeOf(server).name);
  }

  private acct(account: string): AccountEntry {
    return this.state.directory.account(account);
  }

  /** Creates a domain. */
  createDomain(name: string, attrs?: Record<string, string | string[]>): NamedId {
    const d = this.state.directory.createDomain(name, attrs);
    return { id: d.id, name: d.name };
  }

  /** Creates a class of service. */
  createCos(name: string, attrs?: Record<string, string | string[]>): NamedId {
    const c = this.state.directory.createCos(name, attrs);
    return { id: c.id, name: c.name };
  }

  /** Creates an account (its domain must exist). */
  createAccount(name: string, password: string, attrs?: Record<string, string | string[]>): NamedId {
    const a = this.state.directory.createAccount(name, password, attrs);
    return { id: a.id, name: a.name };
  }

  /**
   * Sets an account's `zimbraAccountStatus` (`active`, `maintenance`, `locked`, `closed`,
   * `lockout`, `pending`), as ModifyAccountRequest does. In `maintenance` every mail request on its
   * behalf faults with `account.ACCOUNT_INACTIVE` (SoapEngine.java) and REST answers 404 "account is
   * in maintenance mode" (UserServlet.java); other non-active states refuse only non-admin tokens.
   */
  setAccountStatus(
    account: string,
    status: 'active' | 'maintenance' | 'locked' | 'closed' | 'lockout' | 'pending',
  ): void {
    this.acct(account).attrs['zimbraAccountStatus'] = [status];
  }

  /** Deletes an account (by name or zimbraId) with its mailbox. */
  deleteAccount(account: string): void {
    this.state.directory.deleteAccount(account);
  }

  /** Creates a static distribution list. */
  createDistributionList(name: string, members: string[]): NamedId {
    const d = this.state.directory.createDistributionList(name, members);
    return { id: d.id, name: d.name };
  }

  /** All accounts (including the admin), sorted by name. */
  accounts(): NamedId[] {
    return this.state.directory.allAccounts().map((a) => ({ id: a.id, name: a.name }));
  }

  /** Delivers a raw RFC822 message; returns the new item id. */
  deliver(account: string, raw: Buffer | string, opts: DeliverOptions = {}): number {
    const mbox = this.acct(account).mailbox;
    const folder: FolderRef =
      opts.folderPath !== undefined ? createFolderPath(mbox, opts.folderPath, 'message').id : (opts.folderId ?? 2);
    const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    return addMessage(mbox, bytes, { folder, flags: opts.flags, tagNames: opts.tags, receivedMs: opts.receivedMs }).id;
  }

  /**
   * Stores a chat transcript (MailItem.Type.CHAT, Chat.java) in Chats (14) unless `folderId` says
   * otherwise: a message of its own type, as the IM service and archive imports (ArchiveFormatter
   * `createChat`) made them; no SOAP request creates one. Returns its id.
   */
  addChat(account: string, raw: Buffer | string, opts: { folderId?: number; flags?: string } = {}): number {
    const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    return addMessage(this.acct(account).mailbox, bytes, { folder: opts.folderId ?? 14, flags: opts.flags, chat: true })
      .id;
  }

  /**
   * Adds a note (MailItem.Type.NOTE, Note.java, what CreateNoteRequest makes): its text, bounds
   * `x,y,width,height` and color; no blob. Default folder: Inbox (2). Returns its id.
   */
  addNote(account: string, text: string, opts: { folderId?: number; bounds?: string; color?: number } = {}): number {
    return createNote(this.acct(account).mailbox, {
      folder: opts.folderId ?? 2,
      text,
      bounds: opts.bounds,
      color: opts.color,
    }).id;
  }

  /** Creates a folder by absolute path (parents too); returns its id (existing folders are returned). */
  createFolder(account: string, path: string, view?: string): number {
    return createFolderPath(this.acct(account).mailbox, path, view).id;
  }

  /** Renames a folder (id or path). */
  renameFolder(account: string, folder: FolderRef, name: string): void {
    renameFolder(this.acct(account).mailbox, folder, name);
  }

  /** Moves a folder under another folder. */
  moveFolder(account: string, folder: FolderRef, to: FolderRef): void {
    moveFolder(this.acct(account).mailbox, folder, to);
  }

  /** Deletes a folder with its subfolders and contents. */
  deleteFolder(account: string, folder: FolderRef): void {
    deleteFolder(this.acct(account).mailbox, folder);
  }

  /** Moves an item to a folder (id or path). */
  move(account: string, id: number, folder: FolderRef): void {
    moveItems(this.acct(account).mailbox, [id], folder);
  }

  /** Replaces an item's flags. */
  setFlags(account: string, id: number, flags: string): void {
    setFlags(this.acct(account).mailbox, [id], flags);
  }

  /** Replaces an item's tags (names; missing tags are created). */
  setTags(account: string, id: number, tags: string[]): void {
    setTags(this.acct(account).mailbox, [id], tags);
  }

  /**
   * Damages an item's stored blob without touching its metadata (size, digest), as a lost or
   * rewritten blob file on a real server: `bytes` replace the content, undefined removes it.
   * Tests use it for what REST exports do then (ArchiveFormatter.java pads or skips the item).
   */
  damageBlob(account: string, id: number, bytes: Buffer | undefined): void {
    const item = this.acct(account).mailbox.get(id);
    if (!item) throw new Error(`no such item: ${id}`);
    item.blob = bytes;
  }

  /** Hard-deletes an item. */
  deleteItem(account: string, id: number): void {
    deleteItems(this.acct(account).mailbox, [id]);
  }

  /**
   * Adds a contact (default folder Contacts, 7); `image` becomes part 1; `members` makes it a
   * contact group (`C` contact id, `G` GAL entry, `I` inline address). Returns its id.
   */
  addContact(
    account: string,
    fields: Record<string, string>,
    folderId?: number,
    image?: { bytes: Buffer; contentType: string; filename: string },
    members?: Array<{ type: 'C' | 'G' | 'I'; value: string }>,
  ): number {
    const parts: ContactPart[] = image ? [{ field: 'image', ...image }] : [];
    return createContact(this.acct(account).mailbox, { fields, parts, members, folder: folderId }).id;
  }

  /** Merges (or with `replace`, replaces) a contact's fields; an empty value removes a field. */
  modifyContact(account: string, id: number, fields: Record<string, string>, replace = false): void {
    modifyContact(this.acct(account).mailbox, id, fields, replace);
  }

  /** Adds an appointment or task from iCalendar text (same UID replaces); returns its id. */
  addCalendarItem(
    account: string,
    ics: string,
    kind: 'appointment' | 'task' = 'appointment',
    folderPath?: string,
  ): number {
    const mbox = this.acct(account).mailbox;
    const folder = folderPath !== undefined ? createFolderPath(mbox, folderPath, kind).id : undefined;
    return setCalendarItem(mbox, ics, kind, folder !== undefined ? { folder } : {}).id;
  }

  /** Adds a Briefcase document (same name in the folder makes a new revision); returns its id. */
  addDocument(account: string, name: string, bytes: Buffer, contentType: string, folderPath?: string): number {
    const mbox = this.acct(account).mailbox;
    const folder = folderPath !== undefined ? createFolderPath(mbox, folderPath, 'document').id : 16;
    return saveDocument(mbox, name, bytes, contentType, folder).id;
  }

  /**
   * Moves the mailbox clock forward by `ms` and runs the mailbox purge on every mailbox, as
   * Zimbra's purge thread would have meanwhile ({@link Emulator.purgeMessages}). Returns the
   * purge results by account name.
   */
  advanceClock(ms: number): Map<string, PurgeResult> {
    this.state.directory.clock.advance(ms);
    const out = new Map<string, PurgeResult>();
    for (const a of this.state.directory.accounts.values()) out.set(a.name, this.purgeMessages(a.name));
    return out;
  }

  /**
   * Mailbox.purgeMessages at the mailbox clock's time (model/purge.ts): Trash and Junk items older
   * than `zimbraMailTrashLifetime`/`zimbraMailSpamLifetime` (30 days) by change date are deleted
   * (tombstoned); tombstones older than 3 months are dropped, so older sync tokens get
   * `mail.MUST_RESYNC`. `tombstoneMaxAgeMs` stands for LC `tombstone_max_age_ms`.
   */
  purgeMessages(account: string, opts: { tombstoneMaxAgeMs?: number } = {}): PurgeResult {
    const a = this.acct(account);
    const cos = this.state.directory.cosOf(a);
    return purgeMailbox(a.mailbox, (n) => a.attrs[n]?.[0] ?? cos?.attrs[n]?.[0], opts);
  }

  /** The mailbox purge: drops tombstones and raises the sync cutoff, so older tokens get `mail.MUST_RESYNC`. */
  expireTombstones(account: string): void {
    this.acct(account).mailbox.expireTombstones();
  }

  /** A read-only view of a mailbox for assertions. */
  snapshot(account: string): MailboxSnapshot {
    return snapshotOf(this.acct(account).mailbox);
  }

  /** The current change id (sync token) of a mailbox. */
  lastChangeId(account: string): number {
    return this.acct(account).mailbox.lastChangeId;
  }

  /** Folder id for a path (`mail.NO_SUCH_FOLDER` fault when missing). */
  folderId(account: string, path: string): number {
    return resolveFolder(this.acct(account).mailbox, path).id;
  }

  /** Applies a seed corpus (domain, COSes, accounts with their items, lists). */
  async seed(corpus: Corpus): Promise<void> {
    await applyCorpus(this, this.state.directory, corpus);
  }
}

/** Starts an emulator on 127.0.0.1. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const domain = opts.domain ?? 'example.test';
  const adminUser = opts.adminUser ?? `admin@${domain}`;
  const adminPassword = opts.adminPassword ?? randomBytes(18).toString('base64url');
  if (!adminUser.endsWith(`@${domain}`)) {
    throw new ZimbraBackupError('adminUser must be in the emulator domain', {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'adminUser' },
    });
  }
  const emu = new Emulator(opts, adminUser, adminPassword);
  await emu.start();
  return emu;
}
