/**
 * Admin WaitSets as a mailbox server runs them (store/src/java/com/zimbra/cs/session/: WaitSetMgr,
 * WaitSetBase, AllAccountsWaitSet, SomeAccountsWaitSet, WaitSetSession, WaitSetAccount;
 * service/mail/WaitSetRequest.java, CreateWaitSet.java).
 *
 * ```text
 * all accounts  id AllWaitSet-<uuid>; hears a change only through the redo log's commit
 *               callback (off: deaf); seq = the commit id of the last change sent ("0" at first);
 *               an unknown AllWaitSet- id is rebuilt from the request's seq with the request's
 *               defTypes (absent: no interest at all), never NO_SUCH_WAITSET; add/remove ignored
 * some accounts id WaitSet-<uuid>; one session per account (interest types, last known token);
 *               seq is a counter (create answers 0, the set starts at 1, each send increments);
 *               remove, then add, then update; unknown set -> admin.NO_SUCH_WAITSET
 * both          a second wait cancels the first (canceled="1", no seq); an unacknowledged send
 *               is repeated until the client sends the seq it got; timeout echoes the seq
 * ```
 */
import { randomUUID } from 'node:crypto';
import { faults, SoapFault } from '../wire/soap-fault.js';
import type { ChangeEvent } from './mailbox.js';
import type { Directory } from './directory.js';
import { RedoLog } from './redo-log.js';

/** Interest letters in WaitSetRequest.TypeEnum order. */
const ALL_TYPES = ['f', 'm', 'c', 'a', 't', 'd'];
/** Id prefix of all-accounts sets (WaitSetMgr.ALL_ACCOUNTS_ID_PREFIX). */
export const ALL_ACCOUNTS_ID_PREFIX = 'AllWaitSet-';
/** An idle set is destroyed after this long (LC zimbra_active_waitset_timeout_minutes, 20). */
export const WAITSET_IDLE_MS = 20 * 60 * 1000;

/** Request timeout bounds in seconds (LC `zimbra_admin_waitset_*_request_timeout`). */
export interface WaitSetTimeoutClamp {
  /** Minimum seconds (default 0). */
  minSeconds?: number;
  /** Default seconds when the request has none (default 300). */
  defaultSeconds?: number;
  /** Maximum seconds (default 3600). */
  maxSeconds?: number;
}

/**
 * Parses a `types`/`defTypes` string (WaitSetRequest.parseInterestStr): comma-separated letters
 * or `all`; absent means the given default (an empty set for `defTypes`). Letters run together
 * (`fmc`) are accepted too, more leniently than the server.
 */
export function parseInterest(s: string | undefined, dflt: ReadonlySet<string> = new Set()): Set<string> {
  if (s === undefined) return new Set(dflt);
  if (s.toLowerCase().includes('all')) return new Set(ALL_TYPES);
  return new Set([...s].filter((c) => ALL_TYPES.includes(c)));
}

/** `f,m,c,a,t,d` order, comma-joined (WaitSetRequest.interestToStr): what create echoes. */
export function interestToString(types: ReadonlySet<string>): string {
  return ALL_TYPES.filter((t) => types.has(t)).join(',');
}

/** An account to add, update or remove. */
export interface WaitSetAccountSpec {
  id?: string | undefined;
  name?: string | undefined;
  token?: string | undefined;
  types?: string | undefined;
}

/** An `<error id t>` entry (WaitSetError.Type). */
export interface WaitSetError {
  id: string;
  type: string;
}

/** What a wait returns: `seq` is absent when canceled (WaitSetRequest.processCallback). */
export interface WaitResult {
  seq: string | undefined;
  accounts: Array<{ id: string; changeId: number }>;
  canceled: boolean;
  errors: WaitSetError[];
}

interface Waiter {
  /** The seq the waiting request sent. */
  seq: string;
  errors: WaitSetError[];
  resolve(r: WaitResult): void;
  timer: NodeJS.Timeout | undefined;
}

/** One watched account of an explicit set (WaitSetAccount + WaitSetSession). */
interface Session {
  types: Set<string>;
  /** Change id of the last known sync token (undefined: none given). */
  token: number | undefined;
  highest: number;
}

/** What WaitSetBase keeps for either kind. */
abstract class WaitSetBase {
  waiter: Waiter | undefined;
  lastUsedMs = Date.now();
  current = new Set<string>();
  sent = new Set<string>();
  currentErrors: WaitSetError[] = [];
  sentErrors: WaitSetError[] = [];
  constructor(
    readonly id: string,
    readonly defTypes: Set<string>,
  ) {}
  abstract cbSeqIsCurrent(): boolean;
  abstract nextSeq(): string;
}

class AllAccountsSet extends WaitSetBase {
  currentSeq = '0';
  cbSeq = '0';
  nextSeqNo: string | undefined;
  cbSeqIsCurrent(): boolean {
    return this.currentSeq === this.cbSeq;
  }
  nextSeq(): string {
    this.currentSeq = this.nextSeqNo ?? this.currentSeq;
    return this.currentSeq;
  }
}

class SomeAccountsSet extends WaitSetBase {
  currentSeq = 1;
  cbSeq = 0;
  readonly sessions = new Map<string, Session>();
  cbSeqIsCurrent(): boolean {
    return this.cbSeq === this.currentSeq;
  }
  nextSeq(): string {
    return String(++this.currentSeq);
  }
}

/** All WaitSets of one mailbox server. */
export class WaitSetManager {
  private readonly sets = new Map<string, WaitSetBase>();

  constructor(
    private readonly directory: () => Directory,
    private readonly clamp: Required<WaitSetTimeoutClamp>,
    /** This server's name: WaitSets are local, an account homed elsewhere is refused (WaitSetAccount.java). */
    private readonly localServer: () => string = () => this.directory().serverName,
    /** This server's redo log: all-accounts sets hear changes only through it. */
    readonly redoLog: RedoLog = new RedoLog(),
  ) {}

  /** Creates a set (WaitSetMgr.create); returns its id, the echoed defTypes and per-account errors. */
  create(
    defTypes: string | undefined,
    allAccounts: boolean,
    add: WaitSetAccountSpec[],
  ): { id: string; defTypes: string; errors: WaitSetError[] } {
    const types = parseInterest(defTypes);
    // the ids of the source: a counter is commented out there in favour of a UUID
    if (allAccounts) {
      const ws = new AllAccountsSet(`${ALL_ACCOUNTS_ID_PREFIX}${randomUUID()}`, types);
      this.sets.set(ws.id, ws);
      return { id: ws.id, defTypes: interestToString(types), errors: [] };
    }
    const resolved = this.resolveSpecs(add);
    const ws = new SomeAccountsSet(`WaitSet-${randomUUID()}`, types);
    this.sets.set(ws.id, ws);
    return { id: ws.id, defTypes: interestToString(types), errors: this.addAccounts(ws, resolved) };
  }

  private lookup(id: string): WaitSetBase | undefined {
    const ws = this.sets.get(id);
    if (ws && !ws.waiter && Date.now() - ws.lastUsedMs > WAITSET_IDLE_MS) {
      this.sets.delete(id);
      return undefined;
    }
    if (ws) ws.lastUsedMs = Date.now();
    return ws;
  }

  /**
   * Resolves add/update specs as WaitSetRequest.parseAddUpdateAccounts does: a `name` the
   * directory lacks is dropped without an error (the source builds one and never uses it); an
   * `id` it lacks fails the whole request with `service.PERM_DENIED` (DEFEND_ACCOUNT_HARVEST in
   * checkRightForAdditionalAccount).
   */
  private resolveSpecs(specs: WaitSetAccountSpec[]): Array<{ id: string; spec: WaitSetAccountSpec }> {
    const out: Array<{ id: string; spec: WaitSetAccountSpec }> = [];
    for (const spec of specs) {
      if (spec.name !== undefined) {
        const a = this.directory().findAccount(spec.name);
        if (a) out.push({ id: a.id, spec });
        continue;
      }
      const id = spec.id ?? '';
      if (!this.directory().findAccount(id)) throw faults.permDenied(`can not access account ${id}`);
      out.push({ id, spec });
    }
    return out;
  }

  private addAccounts(ws: SomeAccountsSet, specs: Array<{ id: string; spec: WaitSetAccountSpec }>): WaitSetError[] {
    const errors: WaitSetError[] = [];
    for (const { id, spec } of specs) {
      if (ws.sessions.has(id)) {
        errors.push({ id, type: 'ALREADY_IN_SET_DURING_ADD' });
        continue;
      }
      const acct = this.directory().findAccount(id);
      if (!acct) {
        errors.push({ id, type: 'NO_SUCH_ACCOUNT' });
        continue;
      }
      if (this.directory().homeServer(acct) !== this.localServer()) {
        errors.push({ id, type: 'WRONG_HOST_FOR_ACCOUNT' });
        continue;
      }
      const session: Session = { types: parseInterest(spec.types, ws.defTypes), token: undefined, highest: 0 };
      ws.sessions.set(id, session);
      this.updateSession(ws, id, session, spec.token, acct.mailbox.lastChangeId);
    }
    return errors;
  }

  /** WaitSetSession.update: with a token, signal when the mailbox is past it, else unsignal. */
  private updateSession(
    ws: SomeAccountsSet,
    id: string,
    s: Session,
    token: string | undefined,
    lastChangeId: number,
  ): void {
    if (token === undefined) return;
    const n = Number(String(token).split('-')[0]);
    s.token = Number.isFinite(n) ? n : undefined;
    if (s.token === undefined) return;
    s.highest = Math.max(s.highest, lastChangeId);
    // SyncToken.after(int) is ">=": a token at the mailbox's last change means nothing new
    if (s.token >= s.highest) ws.current.delete(id);
    else ws.current.add(id);
  }

  /** Handles an AdminWaitSetRequest (WaitSetRequest.staticHandle). */
  async wait(
    id: string,
    req: {
      seq: string;
      block: boolean;
      timeoutSeconds?: number | undefined;
      defTypes?: string | undefined;
      add: WaitSetAccountSpec[];
      update: WaitSetAccountSpec[];
      remove: WaitSetAccountSpec[];
    },
  ): Promise<WaitResult> {
    let ws: WaitSetBase;
    if (id.startsWith(ALL_ACCOUNTS_ID_PREFIX)) ws = this.lookupOrRebuild(id, req.defTypes, req.seq);
    else {
      const found = this.lookup(id);
      if (!found) throw faults.noSuchWaitSet(id);
      ws = found;
    }
    const add = this.resolveSpecs(req.add);
    const update = this.resolveSpecs(req.update);
    for (const r of req.remove)
      if (!this.directory().findAccount(r.id ?? '')) throw faults.permDenied(`can not access account ${r.id ?? ''}`);
    const errors: WaitSetError[] = [];
    if (ws instanceof SomeAccountsSet) {
      // removeAccounts runs before doWait, which adds and then updates
      for (const r of req.remove) {
        const rid = r.id ?? '';
        if (ws.sessions.delete(rid)) ws.current.delete(rid);
        else errors.push({ id: rid, type: 'NOT_IN_SET_DURING_REMOVE' });
      }
    }
    this.cancel(ws);
    if (ws instanceof SomeAccountsSet) {
      errors.push(...this.addAccounts(ws, add));
      for (const { id: uid, spec } of update) {
        const s = ws.sessions.get(uid);
        if (!s) {
          errors.push({ id: uid, type: 'NOT_IN_SET_DURING_UPDATE' });
          continue;
        }
        s.types = parseInterest(spec.types, ws.defTypes);
        const acct = this.directory().findAccount(uid);
        this.updateSession(ws, uid, s, spec.token, acct?.mailbox.lastChangeId ?? 0);
      }
      const n = Number(req.seq);
      ws.cbSeq = Number.isFinite(n) ? n : -1;
    } else if (ws instanceof AllAccountsSet) {
      ws.cbSeq = req.seq;
    }
    const secs = Math.min(
      this.clamp.maxSeconds,
      Math.max(this.clamp.minSeconds, req.timeoutSeconds ?? this.clamp.defaultSeconds),
    );
    return new Promise<WaitResult>((resolve) => {
      const waiter: Waiter = { seq: req.seq, errors, resolve, timer: undefined };
      ws.waiter = waiter;
      if (this.trySend(ws)) return;
      if (!req.block || secs <= 0) {
        ws.waiter = undefined;
        resolve({ seq: req.seq, accounts: [], canceled: false, errors });
        return;
      }
      waiter.timer = setTimeout(() => {
        if (ws.waiter === waiter) ws.waiter = undefined;
        resolve({ seq: req.seq, accounts: [], canceled: false, errors });
      }, secs * 1000);
    });
  }

  /** WaitSetMgr.lookupOrCreateForAllAccts: an unknown all-accounts id is rebuilt, never refused. */
  private lookupOrRebuild(id: string, defTypes: string | undefined, seq: string): WaitSetBase {
    const found = this.lookup(id);
    if (found) return found;
    // AllAccountsWaitSet.createWithSeqNo: the interest is the request's defTypes (none when absent)
    const ws = new AllAccountsSet(id, parseInterest(defTypes));
    const changes = this.redoLog.changedSince(seq); // faults as syncToCommitId does
    for (const a of changes.accounts) ws.current.add(a);
    ws.nextSeqNo = changes.last;
    this.sets.set(id, ws);
    return ws;
  }

  /** WaitSetBase.trySendData: true when the waiter was answered. */
  private trySend(ws: WaitSetBase): boolean {
    const w = ws.waiter;
    if (!w) return false;
    const isCurrent = ws.cbSeqIsCurrent();
    if (isCurrent) {
      ws.sent.clear();
      ws.sentErrors = [];
    }
    const hasNew = ws.current.size > 0 || ws.currentErrors.length > 0;
    if (!hasNew && (isCurrent || (ws.sent.size === 0 && ws.sentErrors.length === 0))) return false;
    for (const a of ws.current) ws.sent.add(a);
    ws.current = new Set();
    ws.sentErrors.push(...ws.currentErrors);
    ws.currentErrors = [];
    const seq = ws.nextSeq();
    ws.waiter = undefined;
    clearTimeout(w.timer);
    ws.lastUsedMs = Date.now();
    const accounts = [...ws.sent].map((id) => ({
      id,
      changeId: this.directory().findAccount(id)?.mailbox.lastChangeId ?? 0,
    }));
    w.resolve({ seq, accounts, canceled: false, errors: [...w.errors, ...ws.sentErrors] });
    return true;
  }

  private cancel(ws: WaitSetBase): void {
    const w = ws.waiter;
    if (!w) return;
    ws.waiter = undefined;
    clearTimeout(w.timer);
    w.resolve({ seq: undefined, accounts: [], canceled: true, errors: w.errors });
  }

  /**
   * Destroys a set (AdminDestroyWaitSetRequest -> WaitSetMgr.destroy): an unknown id is
   * `mail.NO_SUCH_WAITSET` there (MailServiceException), unlike the wait's `admin.` code.
   */
  destroy(id: string): void {
    const ws = this.lookup(id);
    if (!ws)
      throw new SoapFault('mail.NO_SUCH_WAITSET', `WaitSet not found: ${id}`, true, [{ n: 'id', t: 'STR', value: id }]);
    this.cancel(ws);
    this.sets.delete(id);
  }

  /**
   * A committed mailbox change on this server: logged in the redo log (whose commit callback
   * feeds the all-accounts sets, so nothing reaches them while logging is off), and passed to
   * each explicit set's session for the account (a mailbox listener, independent of the log).
   */
  onChange(e: ChangeEvent): void {
    const cid = this.redoLog.commit(e.accountId);
    for (const ws of this.sets.values()) {
      if (ws instanceof AllAccountsSet) {
        if (cid === undefined || !intersects(e.interests, ws.defTypes)) continue;
        ws.nextSeqNo = cid;
        ws.current.add(e.accountId);
        this.trySend(ws);
      } else if (ws instanceof SomeAccountsSet) {
        const s = ws.sessions.get(e.accountId);
        if (!s) continue;
        s.highest = Math.max(s.highest, e.changeId);
        if (s.token !== undefined && s.token >= s.highest) continue;
        if (!intersects(e.interests, s.types)) continue;
        ws.current.add(e.accountId);
        this.trySend(ws);
      }
    }
  }

  /** A mailbox was deleted: explicit sets drop it and signal MAILBOX_DELETED (SomeAccountsWaitSet.mailboxDeleted). */
  mailboxDeleted(accountId: string): void {
    for (const ws of this.sets.values()) {
      if (!(ws instanceof SomeAccountsSet) || !ws.sessions.delete(accountId)) continue;
      ws.current.delete(accountId);
      ws.currentErrors.push({ id: accountId, type: 'MAILBOX_DELETED' });
      this.trySend(ws);
    }
  }

  /** Drops every set, releasing blocked waiters as canceled (server shutdown or restart). */
  dropAll(): void {
    for (const ws of this.sets.values()) this.cancel(ws);
    this.sets.clear();
  }
}

function intersects(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const x of a) if (b.has(x)) return true;
  return false;
}
