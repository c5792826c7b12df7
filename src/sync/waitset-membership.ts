/**
 * The account list of an explicit-account WaitSet, kept in step with the accounts a mailbox
 * server holds (store/src/java/com/zimbra/cs/session/SomeAccountsWaitSet.java,
 * service/mail/WaitSetRequest.java).
 *
 * ```text
 * wanted (set by the caller) vs. in the set (what the server accepted):
 *   wanted, not in the set              -> <add id token?>
 *   in the set, no longer wanted        -> <remove id>
 *   in the set without a token, wanted with one -> <update id token>  (the server then signals
 *                                          at once if the mailbox is already past the token)
 *   at most `chunk` of each per request: every <add> makes the server load that mailbox
 *   (preloadMailboxes, FetchMode.AUTOCREATE), so a large site is added in slices
 * answers:
 *   <error type=ALREADY_IN_SET_DURING_ADD>          -> in the set
 *   WRONG_HOST_FOR_ACCOUNT, NO_SUCH_ACCOUNT, ERROR_LOADING_MAILBOX, MAINTENANCE_MODE,
 *   MAILBOX_DELETED                                 -> refused: not watched (the caller polls it)
 *                                                      until the next set() retries it
 *   NOT_IN_SET_DURING_UPDATE                        -> not in the set: added again
 *   a whole request failing with service.PERM_DENIED (an account id the directory no longer
 *   knows: WaitSetMgr.checkRightForAdditionalAccount) -> its accounts are sent one by one; the
 *   one that fails alone is refused (an add) or forgotten (a remove)
 * ```
 * @module
 */
import type { WaitSetAccountError, WaitSetAccountSpec } from '../soap/requests/wait-set-types.js';

/** An account to watch, with the sync token its backup last reached (valid on this server only). */
export interface WatchedAccount {
  /** zimbraId. */
  id: string;
  /** Last sync token from this server's mailbox, when known. */
  token?: string | undefined;
}

/** One request's worth of membership changes. */
export interface MembershipBatch {
  add: WaitSetAccountSpec[];
  update: WaitSetAccountSpec[];
  remove: WaitSetAccountSpec[];
}

/** Errors that leave an account outside the set (WaitSetError.Type). */
const REFUSING = new Set([
  'WRONG_HOST_FOR_ACCOUNT',
  'NO_SUCH_ACCOUNT',
  'ERROR_LOADING_MAILBOX',
  'MAINTENANCE_MODE',
  'MAILBOX_DELETED',
]);

/** Accounts per request for add, update and remove each. */
export const MEMBERSHIP_CHUNK = 500;

/** Wanted accounts versus the accounts the server holds in the set. */
export class WaitSetMembership {
  #wanted = new Map<string, string | undefined>();
  readonly #inSet = new Map<string, string | undefined>();
  /** Accounts the server refused, with the reason, until the next set(). */
  readonly #refused = new Map<string, string>();
  /** Accounts of a request that failed with PERM_DENIED: sent alone from now on. */
  readonly #alone = new Set<string>();

  constructor(readonly chunk = MEMBERSHIP_CHUNK) {}

  /** Replaces the wanted accounts; refused ones are tried again. True when requests are due. */
  set(accounts: Iterable<WatchedAccount>): boolean {
    const next = new Map<string, string | undefined>();
    for (const a of accounts) next.set(a.id, a.token);
    this.#wanted = next;
    this.#refused.clear();
    return this.pending;
  }

  /** Number of wanted accounts. */
  get size(): number {
    return this.#wanted.size;
  }

  /** Accounts refused by the server (id -> WaitSetError type). */
  get refused(): ReadonlyMap<string, string> {
    return this.#refused;
  }

  /** True when an account is in the set as far as the server said. */
  has(id: string): boolean {
    return this.#inSet.has(id);
  }

  /** The set was lost (NO_SUCH_WAITSET, a new set): nothing is in it. */
  reset(): void {
    this.#inSet.clear();
    this.#alone.clear();
  }

  /** True when an add, update or remove is due. */
  get pending(): boolean {
    const b = this.next();
    return b.add.length + b.update.length + b.remove.length > 0;
  }

  /** The next batch (empty when the set matches). Accounts under suspicion go one at a time. */
  next(): MembershipBatch {
    for (const id of this.#alone) if (!this.#due(id)) this.#alone.delete(id);
    const batch: MembershipBatch = { add: [], update: [], remove: [] };
    const limit = this.#alone.size > 0 ? 1 : this.chunk;
    const pick = (id: string): boolean => this.#alone.size === 0 || this.#alone.has(id);
    for (const id of this.#inSet.keys()) {
      if (batch.remove.length >= limit) break;
      if (!this.#wanted.has(id) && pick(id)) batch.remove.push({ id });
    }
    if (limit === 1 && batch.remove.length > 0) return batch;
    for (const [id, token] of this.#wanted) {
      if (this.#refused.has(id) || !pick(id)) continue;
      if (!this.#inSet.has(id)) {
        if (batch.add.length < limit) batch.add.push(token === undefined ? { id } : { id, token });
      } else if (this.#inSet.get(id) === undefined && token !== undefined && batch.update.length < limit) {
        batch.update.push({ id, token });
      }
      if (batch.add.length >= limit && batch.update.length >= limit) break;
      if (limit === 1 && batch.add.length + batch.update.length > 0) break;
    }
    return batch;
  }

  /** True when `id` needs an add, update or remove. */
  #due(id: string): boolean {
    const wanted = this.#wanted.has(id);
    if (!wanted) return this.#inSet.has(id);
    if (this.#refused.has(id)) return false;
    if (!this.#inSet.has(id)) return true;
    return this.#inSet.get(id) === undefined && this.#wanted.get(id) !== undefined;
  }

  /**
   * Records the server's answer to `batch`; returns the accounts newly refused (the caller
   * polls them) with their error type. Runtime errors (MAILBOX_DELETED) come in any answer.
   */
  applied(batch: MembershipBatch, errors: readonly WaitSetAccountError[]): WaitSetAccountError[] {
    const errorOf = new Map(errors.map((e) => [e.id, e.type]));
    const refused: WaitSetAccountError[] = [];
    for (const r of batch.remove) {
      this.#inSet.delete(r.id!);
      this.#alone.delete(r.id!);
    }
    for (const a of batch.add) {
      const type = errorOf.get(a.id!);
      this.#alone.delete(a.id!);
      if (type !== undefined && REFUSING.has(type)) continue;
      this.#inSet.set(a.id!, a.token);
    }
    for (const u of batch.update) {
      this.#alone.delete(u.id!);
      if (errorOf.get(u.id!) === 'NOT_IN_SET_DURING_UPDATE') this.#inSet.delete(u.id!);
      else this.#inSet.set(u.id!, u.token);
    }
    for (const e of errors) {
      if (!REFUSING.has(e.type) || this.#refused.has(e.id)) continue;
      this.#inSet.delete(e.id);
      if (!this.#wanted.has(e.id)) continue;
      this.#refused.set(e.id, e.type);
      refused.push(e);
    }
    return refused;
  }

  /**
   * The whole `batch` failed with `service.PERM_DENIED`: with more than one account its accounts
   * go one at a time; a single add is refused (returned), a single remove forgotten.
   */
  denied(batch: MembershipBatch): WaitSetAccountError[] {
    const ids = [...batch.add, ...batch.update, ...batch.remove].map((s) => s.id!);
    if (ids.length > 1) {
      for (const id of ids) this.#alone.add(id);
      return [];
    }
    const id = ids[0];
    if (id === undefined) return [];
    this.#alone.delete(id);
    if (batch.remove.length > 0) {
      this.#inSet.delete(id);
      return [];
    }
    this.#inSet.delete(id);
    this.#refused.set(id, 'PERM_DENIED');
    return [{ id, type: 'PERM_DENIED' }];
  }
}
