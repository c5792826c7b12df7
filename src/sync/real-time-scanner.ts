/**
 * Real-time change notification on one mailbox server: an admin WaitSet long-polled with the
 * last `seq`; every `<a id changeid>` signals that account.
 *
 * Two kinds of set (store/src/java/com/zimbra/cs/session/):
 * - explicit (`accounts` given, the default of the engine): a `WaitSet-…` over the accounts the
 *   server holds, kept in step with `<add>`/`<remove>`/`<update>` (waitset-membership.ts). Its
 *   sessions are mailbox listeners (SomeAccountsWaitSet.java), so it signals whether or not the
 *   server's redo log is on.
 * - all accounts (no `accounts`, or more than `maxExplicitAccounts`): an `AllWaitSet-…`, which
 *   Zimbra deprecates and which hears changes only through the redo log's commit callback
 *   (Mailbox.java, AllAccountsWaitSet.java): with the redo log off it never signals. Kept for
 *   sites too large for a session per account, and for callers that give no account list.
 *
 * ```text
 * loop until aborted:
 *   ws = AdminCreateWaitSet(defTypes=all [, allAccounts]); onReset()   (catch-up: nothing missed between sets)
 *   loop: membership due? -> AdminWaitSet(block=0, add/remove/update slice)   (errors: refused accounts)
 *         else            -> AdminWaitSet(block=1, timeout)   (setAccounts() cuts it short)
 *         canceled -> ask again; signals -> onChange(accountId); seq = r.seq
 * admin.NO_SUCH_WAITSET (explicit set after a restart or idle expiry); PARSE_ERROR or
 * INVALID_COMMIT_ID (an AllWaitSet the server could not rebuild from seq) -> recreate, catch up
 * transport failure -> back off, recreate
 * ```
 * WaitSets do not proxy between servers (WRONG_HOST_FOR_ACCOUNT): run one scanner per mailbox
 * server, each with a client whose admin URL is that server's.
 * @module
 */
import { throwIfAborted, ZimbraBackupError } from '../errors.js';
import { abortableSleep } from '../internal/abortable-sleep.js';
import { resolveLogger, type Logger } from '../internal/logger.js';
import { NoSuchWaitSetError, SoapFaultError } from '../soap/faults.js';
import type { WaitSetAccountError } from '../soap/requests/wait-set-types.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import { WaitSetMembership, type MembershipBatch, type WatchedAccount } from './waitset-membership.js';

/**
 * Above this many accounts a server gets an all-accounts WaitSet instead: each watched account
 * holds a session and a loaded mailbox on the server (SomeAccountsWaitSet, WaitSetAccount).
 */
export const DEFAULT_MAX_EXPLICIT_ACCOUNTS = 20_000;

/** Faults that mean an all-accounts set is gone and could not be rebuilt from our `seq`. */
const LOST_ALL_ACCOUNTS = new Set(['service.PARSE_ERROR', 'mail.INVALID_COMMIT_ID']);

/** Options of {@link RealTimeScanner}. */
export interface RealTimeScannerOptions {
  /** An admin-authenticated client whose admin URL is the mailbox server to watch. */
  client: ZimbraClient;
  /** Called for each account with changes (zimbraId). Must not throw; may be called often. */
  onChange: (accountId: string, changeId: number | undefined) => void;
  /**
   * Called after each (re)creation of the WaitSet: changes made while no WaitSet existed are
   * not signalled, so the caller runs a catch-up of every account.
   */
  onReset?: (reason: 'created' | 'recreated') => void;
  /**
   * Called when the server will not watch an account (WRONG_HOST_FOR_ACCOUNT, MAILBOX_DELETED,
   * PERM_DENIED...): the caller must find its changes another way (it is polled).
   */
  onRefused?: (accountId: string, type: string) => void;
  /**
   * The accounts of this server to watch with an explicit WaitSet (see `setAccounts`).
   * Absent: one all-accounts WaitSet, as before.
   */
  accounts?: Iterable<WatchedAccount>;
  /** Above this many accounts, an all-accounts set instead. Default {@link DEFAULT_MAX_EXPLICIT_ACCOUNTS}. */
  maxExplicitAccounts?: number;
  /** Block timeout of each poll, in seconds (the server clamps it; admin max 3600). Default 300. */
  timeoutSeconds?: number;
  /** Wait before recreating after a transport failure, in ms. Default 1000 (doubles up to 30 s). */
  retryDelayMs?: number;
  logger?: Logger | false;
}

/** Counters, for status and tests. */
export interface RealTimeScannerStats {
  polls: number;
  signals: number;
  recreated: number;
  failures: number;
}

/** Long-polls an admin WaitSet (explicit accounts or all accounts) and reports accounts with changes. */
export class RealTimeScanner {
  readonly stats: RealTimeScannerStats = { polls: 0, signals: 0, recreated: 0, failures: 0 };
  readonly #opts: RealTimeScannerOptions;
  readonly #log: Logger;
  readonly #membership: WaitSetMembership | undefined;
  #waitSetId: string | undefined;
  #lastError: string | undefined;
  #kind: 'explicit' | 'all-accounts';
  /** Aborts the blocked poll so that membership changes go out at once. */
  #interrupt: AbortController | undefined;
  #warnedTooMany = false;

  constructor(opts: RealTimeScannerOptions) {
    this.#opts = opts;
    this.#log = resolveLogger(opts.logger);
    if (opts.accounts !== undefined) {
      this.#membership = new WaitSetMembership();
      this.#membership.set(opts.accounts);
    }
    this.#kind = this.#chooseKind();
  }

  /** The last poll or creation failure (code and message), for status; undefined before any. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** The kind of the current (or next) WaitSet. */
  get kind(): 'explicit' | 'all-accounts' {
    return this.#kind;
  }

  /** True when the explicit set holds the account, as far as the server answered. */
  isWatching(accountId: string): boolean {
    return this.#kind === 'explicit' && this.#membership?.has(accountId) === true;
  }

  /** Accounts the server refused to watch (id -> error type); empty for an all-accounts set. */
  get refused(): ReadonlyMap<string, string> {
    return this.#membership?.refused ?? new Map();
  }

  /**
   * Replaces the accounts to watch (explicit sets): the difference goes out as `<add>`/
   * `<remove>`/`<update>` at once, cutting a blocked poll short. Refused accounts are retried.
   */
  setAccounts(accounts: Iterable<WatchedAccount>): void {
    if (!this.#membership) return;
    const due = this.#membership.set(accounts);
    if (this.#chooseKind() !== this.#kind && !this.#warnedTooMany) {
      this.#warnedTooMany = true;
      this.#log.warn(
        { accounts: this.#membership.size, max: this.#maxExplicit },
        'account count crossed the explicit WaitSet limit; the kind changes when the WaitSet is next created',
      );
    }
    if (due && this.#kind === 'explicit') this.#interrupt?.abort();
  }

  get #maxExplicit(): number {
    return this.#opts.maxExplicitAccounts ?? DEFAULT_MAX_EXPLICIT_ACCOUNTS;
  }

  #chooseKind(): 'explicit' | 'all-accounts' {
    const m = this.#membership;
    return m && m.size <= this.#maxExplicit ? 'explicit' : 'all-accounts';
  }

  /** Runs until `signal` aborts; then destroys the WaitSet and resolves. */
  async run(signal: AbortSignal): Promise<void> {
    let delay = this.#opts.retryDelayMs ?? 1000;
    let created = false;
    try {
      while (!signal.aborted) {
        try {
          this.#kind = this.#chooseKind();
          if (this.#kind === 'all-accounts' && this.#membership)
            this.#log.warn(
              { accounts: this.#membership.size, max: this.#maxExplicit },
              'too many accounts for an explicit WaitSet; using an all-accounts WaitSet (it needs the redo log on)',
            );
          this.#membership?.reset();
          const ws = await this.#opts.client.createWaitSet(
            { defaultTypes: 'all', ...(this.#kind === 'all-accounts' ? { allAccounts: true } : {}) },
            { signal },
          );
          this.#waitSetId = ws.waitSetId;
          this.#opts.onReset?.(created ? 'recreated' : 'created');
          if (created) this.stats.recreated++;
          created = true;
          delay = this.#opts.retryDelayMs ?? 1000;
          await this.#poll(ws.waitSetId, ws.sequence, signal);
        } catch (err) {
          if (signal.aborted) break;
          if (err instanceof NoSuchWaitSetError || this.#lostAllAccounts(err)) {
            this.#log.warn(
              { waitSet: this.#waitSetId, err: describe(err) },
              'WaitSet lost; recreating and catching up',
            );
            continue;
          }
          this.stats.failures++;
          this.#lastError = describe(err);
          this.#log.warn({ err: describe(err) }, 'WaitSet poll failed; retrying');
          // An abort ends the wait early (its ZB_ABORTED is the loop's exit, not a failure).
          await abortableSleep(delay, signal).catch(() => undefined);
          delay = Math.min(delay * 2, 30_000);
        }
      }
    } finally {
      await this.#destroy();
    }
  }

  #lostAllAccounts(err: unknown): boolean {
    return this.#kind === 'all-accounts' && err instanceof SoapFaultError && LOST_ALL_ACCOUNTS.has(err.faultCode);
  }

  async #poll(waitSetId: string, seq: string, signal: AbortSignal): Promise<void> {
    let sequence = seq;
    const membership = this.#kind === 'explicit' ? this.#membership : undefined;
    for (;;) {
      throwIfAborted(signal);
      const batch: MembershipBatch = membership?.next() ?? { add: [], update: [], remove: [] };
      const changing = batch.add.length + batch.update.length + batch.remove.length > 0;
      const interrupt = new AbortController();
      const onAbort = (): void => interrupt.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      if (!changing) this.#interrupt = interrupt;
      let r;
      try {
        // membership changes go non-blocking (their errors come back at once); a blocked poll
        // is cut short by setAccounts() so that new changes need not wait for its timeout
        r = await this.#opts.client.waitSet(
          {
            waitSetId,
            sequence,
            block: !changing,
            timeoutSeconds: this.#opts.timeoutSeconds ?? 300,
            // defTypes on every poll: a lost all-accounts set is rebuilt with them (WaitSetRequest.java)
            defaultTypes: 'all',
            ...(changing ? batch : {}),
          },
          { signal: interrupt.signal },
        );
      } catch (err) {
        if (signal.aborted) throw err;
        if (interrupt.signal.aborted) continue; // setAccounts() cut the poll short
        if (changing && membership && err instanceof SoapFaultError && err.faultCode === 'service.PERM_DENIED') {
          this.#refuse(membership.denied(batch));
          continue;
        }
        throw err;
      } finally {
        signal.removeEventListener('abort', onAbort);
        if (this.#interrupt === interrupt) this.#interrupt = undefined;
      }
      this.stats.polls++;
      if (membership) this.#refuse(membership.applied(batch, r.errors));
      if (!r.canceled) sequence = r.sequence;
      for (const s of r.signals) {
        this.stats.signals++;
        this.#opts.onChange(s.id, s.changeId);
      }
    }
  }

  #refuse(list: WaitSetAccountError[]): void {
    for (const e of list) {
      this.#log.warn({ accountId: e.id, error: e.type }, 'the WaitSet does not watch this account; it is polled');
      this.#opts.onRefused?.(e.id, e.type);
    }
  }

  async #destroy(): Promise<void> {
    const id = this.#waitSetId;
    this.#waitSetId = undefined;
    if (id === undefined) return;
    try {
      await this.#opts.client.destroyWaitSet(id, { timeoutMs: 5000 });
    } catch (err) {
      // Idle WaitSets expire on the server by themselves; nothing is lost.
      this.#log.debug({ err: describe(err) }, 'WaitSet destroy failed');
    }
  }
}

function describe(err: unknown): string {
  return err instanceof ZimbraBackupError ? `${err.code}: ${err.message}` : String(err);
}
