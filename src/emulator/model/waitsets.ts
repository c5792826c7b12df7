/**
 * Admin WaitSets (`soap-waitset.txt`, `WaitSetRequest.java`; PROTOCOL.md section 3): a set of
 * watched accounts (or all accounts), a pending map of signalled accounts, and at most one
 * blocked waiter. `seq` is sent as an opaque string; an acknowledged `seq` clears what was sent,
 * an older one re-sends it. A second wait on the same set cancels the first (`canceled`).
 */
import { randomUUID } from 'node:crypto';
import { faults } from '../wire/soap-fault.js';
import type { ChangeEvent } from './mailbox.js';
import type { Directory } from './directory.js';

const ALL_TYPES = ['f', 'm', 'c', 'a', 't', 'd'];
/** An idle set is destroyed after this long (about 20 minutes on a real server). */
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

/** Parses a `types`/`defTypes` string (`all`, `f,m,c` or `fmc`). */
export function parseInterest(s: string | undefined): Set<string> {
  if (!s || s.toLowerCase().includes('all')) return new Set(ALL_TYPES);
  return new Set([...s].filter((c) => ALL_TYPES.includes(c)));
}

/** An account to add, update or remove. */
export interface WaitSetAccountSpec {
  id?: string | undefined;
  name?: string | undefined;
  token?: string | undefined;
  types?: string | undefined;
}

/** An `<error id t>` entry. */
export interface WaitSetError {
  id: string;
  type: string;
}

/** What a wait returns. */
export interface WaitResult {
  seq: string;
  accounts: Array<{ id: string; changeId: number }>;
  canceled: boolean;
  errors: WaitSetError[];
}

interface Waiter {
  seq: string;
  errors: WaitSetError[];
  resolve(r: WaitResult): void;
  timer: NodeJS.Timeout | undefined;
}

class WaitSet {
  seq = 0;
  readonly accounts = new Map<string, Set<string>>();
  pending = new Map<string, number>();
  sent = new Map<string, number>();
  waiter: Waiter | undefined;
  lastUsedMs = Date.now();
  constructor(
    readonly id: string,
    readonly defTypes: Set<string>,
    readonly allAccounts: boolean,
  ) {}
}

/** All WaitSets of the server. */
export class WaitSetManager {
  private readonly sets = new Map<string, WaitSet>();

  constructor(
    private readonly directory: () => Directory,
    private readonly clamp: Required<WaitSetTimeoutClamp>,
    /** This server's name: WaitSets are local, an account homed elsewhere is refused (WaitSetAccount.java). */
    private readonly localServer: () => string = () => this.directory().serverName,
  ) {}

  /** Creates a set; returns its id and per-account errors. */
  create(
    defTypes: string | undefined,
    allAccounts: boolean,
    add: WaitSetAccountSpec[],
  ): { id: string; errors: WaitSetError[] } {
    const ws = new WaitSet(randomUUID(), parseInterest(defTypes), allAccounts);
    this.sets.set(ws.id, ws);
    return { id: ws.id, errors: this.addAccounts(ws, add, false) };
  }

  private get(id: string): WaitSet {
    const ws = this.sets.get(id);
    if (!ws || (!ws.waiter && Date.now() - ws.lastUsedMs > WAITSET_IDLE_MS)) {
      this.sets.delete(id);
      throw faults.noSuchWaitSet(id);
    }
    ws.lastUsedMs = Date.now();
    return ws;
  }

  private addAccounts(ws: WaitSet, specs: WaitSetAccountSpec[], update: boolean): WaitSetError[] {
    const errors: WaitSetError[] = [];
    for (const spec of specs) {
      const key = spec.id ?? spec.name ?? '';
      const acct = this.directory().findAccount(key);
      if (!acct) {
        errors.push({ id: key, type: 'NO_SUCH_ACCOUNT' });
        continue;
      }
      if (this.directory().homeServer(acct) !== this.localServer()) {
        errors.push({ id: acct.id, type: 'WRONG_HOST_FOR_ACCOUNT' });
        continue;
      }
      const present = ws.accounts.has(acct.id);
      if (!update && present) errors.push({ id: acct.id, type: 'ALREADY_IN_SET_DURING_ADD' });
      if (update && !present && !ws.allAccounts) {
        errors.push({ id: acct.id, type: 'NOT_IN_SET_DURING_UPDATE' });
        continue;
      }
      ws.accounts.set(acct.id, spec.types ? parseInterest(spec.types) : ws.defTypes);
      const known = spec.token === undefined ? undefined : Number(String(spec.token).split(/[-:]/)[0]);
      if (known !== undefined && Number.isFinite(known) && acct.mailbox.lastChangeId > known)
        ws.pending.set(acct.id, acct.mailbox.lastChangeId);
    }
    return errors;
  }

  /** Handles an AdminWaitSetRequest. */
  async wait(
    id: string,
    req: {
      seq: string;
      block: boolean;
      timeoutSeconds?: number | undefined;
      add: WaitSetAccountSpec[];
      update: WaitSetAccountSpec[];
      remove: WaitSetAccountSpec[];
    },
  ): Promise<WaitResult> {
    const ws = this.get(id);
    this.cancel(ws);
    if (Number(req.seq) === ws.seq) ws.sent.clear();
    else for (const [a, c] of ws.sent) ws.pending.set(a, Math.max(c, ws.pending.get(a) ?? 0));
    const errors = [...this.addAccounts(ws, req.add, false), ...this.addAccounts(ws, req.update, true)];
    for (const spec of req.remove) {
      const acct = this.directory().findAccount(spec.id ?? spec.name ?? '');
      if (!acct || !ws.accounts.delete(acct.id))
        errors.push({ id: spec.id ?? spec.name ?? '', type: 'NOT_IN_SET_DURING_REMOVE' });
      if (acct) ws.pending.delete(acct.id);
    }
    if (ws.pending.size > 0) return this.flush(ws, errors);
    const secs = Math.min(
      this.clamp.maxSeconds,
      Math.max(this.clamp.minSeconds, req.timeoutSeconds ?? this.clamp.defaultSeconds),
    );
    if (!req.block || secs <= 0) return { seq: req.seq, accounts: [], canceled: false, errors };
    return new Promise<WaitResult>((resolve) => {
      const waiter: Waiter = { seq: req.seq, errors, resolve, timer: undefined };
      waiter.timer = setTimeout(() => {
        if (ws.waiter === waiter) ws.waiter = undefined;
        resolve({ seq: req.seq, accounts: [], canceled: false, errors });
      }, secs * 1000);
      ws.waiter = waiter;
    });
  }

  private flush(ws: WaitSet, errors: WaitSetError[]): WaitResult {
    ws.seq++;
    const accounts: WaitResult['accounts'] = [];
    for (const accountId of ws.pending.keys()) {
      const acct = this.directory().findAccount(accountId);
      const changeId = acct?.mailbox.lastChangeId ?? ws.pending.get(accountId) ?? 0;
      accounts.push({ id: accountId, changeId });
      ws.sent.set(accountId, changeId);
    }
    ws.pending = new Map();
    ws.lastUsedMs = Date.now();
    return { seq: String(ws.seq), accounts, canceled: false, errors };
  }

  private cancel(ws: WaitSet): void {
    const w = ws.waiter;
    if (!w) return;
    ws.waiter = undefined;
    clearTimeout(w.timer);
    w.resolve({ seq: w.seq, accounts: [], canceled: true, errors: w.errors });
  }

  /** Destroys a set (`admin.NO_SUCH_WAITSET` when unknown). */
  destroy(id: string): void {
    const ws = this.get(id);
    this.cancel(ws);
    this.sets.delete(id);
  }

  /** Feeds a committed mailbox change to every interested set. */
  onChange(e: ChangeEvent): void {
    for (const ws of this.sets.values()) {
      const types = ws.accounts.get(e.accountId) ?? (ws.allAccounts ? ws.defTypes : undefined);
      if (!types || ![...e.interests].some((i) => types.has(i))) continue;
      ws.pending.set(e.accountId, e.changeId);
      const w = ws.waiter;
      if (w) {
        ws.waiter = undefined;
        clearTimeout(w.timer);
        // the listener runs after the transaction body, so the change is fully committed
        w.resolve(this.flush(ws, w.errors));
      }
    }
  }

  /** Drops every set, releasing blocked waiters as canceled (server shutdown or restart). */
  dropAll(): void {
    for (const ws of this.sets.values()) this.cancel(ws);
    this.sets.clear();
  }
}
