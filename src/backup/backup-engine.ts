/**
 * The backup orchestrator: one pass over every account (`run`), or a pass followed by real-time
 * capture (`watch`).
 *
 * ```text
 * lock the repository (heartbeat) -> list accounts (SearchDirectory) -> account index
 * each account, through the de-duplicating scheduler (bounded concurrency):
 *   attributes changed? -> account record;  backupAccount(): sync -> blobs -> journal commit
 * accounts the server no longer lists -> account-deleted record (backup kept)
 * watch: one RealTimeScanner per mailbox server (ScannerFleet); signals -> scheduler.schedule(account);
 *        a server's WaitSet (re)created -> catch-up of that server's accounts
 * an account whose zimbraMailHost changed (moved to another server) -> resync: its old token means
 *        nothing on the new server; the full listing matches items by id, so nothing is deleted
 *        of every account; directory refreshed every `refreshMs` (new accounts appear)
 * ```
 * Failure modes: one account's failure is reported in the result and does not stop others; a
 * lost lock stops everything (`ZB_LOCK_LOST`) before the next commit.
 *
 * This file orchestrates the passes; its parts: account-roster.ts (listing, account index,
 * deleted accounts), engine-journals.ts (open journals, leases), account-attrs.ts (attribute
 * records, mailbox moves), account-backup.ts (one account run), server-routing.ts (WaitSets per
 * server -> scheduler), engine-status.ts (status snapshot, capture status file),
 * engine-options.ts and engine-result.ts (the public types).
 * @module
 */
import pLimit from 'p-limit';
import { ZimbraBackupError } from '../errors.js';
import { resolveLogger, type Logger } from '../internal/logger.js';
import type { RepositoryLock } from '../repository/lock.js';
import type { DirectoryObject } from '../soap/requests/directory.js';
import { AccountInactiveError } from '../soap/faults.js';
import type { CaptureStatus } from './capture-status.js';
import type { ScannerFleet, ServerCaptureStatus } from '../sync/scanner-fleet.js';
import type { ReceivedPage } from '../sync/sync-cursor.js';
import { captureDirectory } from '../directory/capture-directory.js';
import type { CursorState } from '../repository/cursor-state.js';
import type { Journal } from '../journal/journal.js';
import { unchangedAccount } from './quick-check.js';
import { captureAttributes, fetchAccount } from './account-attrs.js';
import { mailHostOf } from '../directory/account-attributes.js';
import { AccountRoster } from './account-roster.js';
import { EngineJournals } from './engine-journals.js';
import type { BackupEngineOptions } from './engine-options.js';
import { addAccountRun, emptyResult, type BackupResult, type EngineStatus } from './engine-result.js';
import {
  coversPart,
  engineName,
  engineStatus,
  previousCaptureStatus,
  writeEngineCaptureStatus,
} from './engine-status.js';
import { AccountScheduler } from './scheduler.js';
import { untilStoppedOrGivenUp } from './downtime-guard.js';
import { runSignal, type RunSignal } from './run-signal.js';
import type { AccountRunOutcome } from './server-routing.js';
import { inSelection, isPartial, selectionLabel, validateSelection } from './selection.js';
import { faultCodeOf } from '../internal/fault-code.js';

export type { BackupEngineOptions } from './engine-options.js';
export type { BackupResult, EngineStatus } from './engine-result.js';

/** Runs backups of a Zimbra server into a repository. */
export class BackupEngine {
  readonly #opts: BackupEngineOptions;
  readonly #log: Logger;
  readonly #itemLimit: ReturnType<typeof pLimit>;
  readonly #journals: EngineJournals;
  readonly #roster: AccountRoster;
  #result: BackupResult = emptyResult();
  /** Accounts that ran in this run or watch (the result counts each once). */
  #accountsRun = new Set<string>();
  /** While `run`/`watch` runs: the held lock, the scheduler and the selected accounts. */
  #live: { lock: RepositoryLock; scheduler: AccountScheduler; accounts: DirectoryObject[] } | undefined;
  #startedMs = 0;
  /** Accounts whose last run failed, for the capture status. */
  readonly #failing = new Map<string, { sinceMs: number; error: string }>();
  /** Accounts the server answers as inactive (maintenance), since when; warnings, not failures. */
  readonly #inactive = new Map<string, { sinceMs: number; error: string }>();
  /** Accounts finished in the current `run()` pass, for progress events. */
  #pass: { done: number; total: number } | undefined;
  /** Last successful run of each account in this engine's life, ms since the epoch. */
  readonly #lastCapture = new Map<string, number>();
  /** The lock held by `run`/`watch` (set before the first directory listing). */
  #held: RepositoryLock | undefined;
  /** `backup` or `watch` while running (names this engine's status and index files). */
  #mode = 'backup';
  /** The per-server scanners while `watch` runs. */
  #fleet: ScannerFleet | undefined;
  /** While `watch` runs: tells the server routing about each finished account run. */
  #afterRun: ((id: string, reasons: ReadonlySet<string>, out: AccountRunOutcome) => void) | undefined;
  /** Serializes exclusive sections and directory refreshes (both touch the index and journals). */
  #mutex: Promise<unknown> = Promise.resolve();
  /** When the blob index was last re-read (shared lock: other engines index blobs too). */
  #packsRefreshedMs = 0;
  #packsRefreshing: Promise<void> | undefined;

  constructor(opts: BackupEngineOptions) {
    validateSelection(opts.selection);
    this.#opts = opts;
    this.#log = resolveLogger(opts.logger);
    this.#itemLimit = pLimit(opts.itemConcurrency ?? 8);
    this.#journals = new EngineJournals(
      opts.repository,
      this.#log,
      () => this.#now(),
      () => this.#held,
      // Real-time capture keeps a few idle journals open for accounts that change again soon.
      () => (this.#mode === 'backup' ? 0 : (opts.idleJournals ?? 64)),
    );
    this.#roster = new AccountRoster({
      client: opts.client,
      repository: opts.repository,
      journals: this.#journals,
      accounts: opts.accounts,
      selection: opts.selection,
      log: this.#log,
      now: () => this.#now(),
      held: () => this.#held,
      engineName: () => engineName(this.#opts, this.#mode),
      onFailure: (f) => this.#result.failures.push(f),
      onDeleted: () => this.#result.accountsDeleted++,
    });
  }

  /** One backup pass over the selected accounts. `full` lists every mailbox (SmartScan). */
  async run(opts: { signal?: AbortSignal; full?: boolean } = {}): Promise<BackupResult> {
    return this.#locked('backup', opts.signal, async (lock) => {
      // The account runs' own signal (run-signal.ts): room for their concurrency, one listener on the caller's.
      const runs = this.#runSignal(opts.signal);
      try {
        await this.#runPass(lock, runs.signal, opts);
      } finally {
        runs.dispose();
      }
    });
  }

  #runSignal(outer: AbortSignal | undefined): RunSignal {
    return runSignal(outer, this.#opts.concurrency ?? 4, this.#opts.itemConcurrency ?? 8);
  }

  async #runPass(
    lock: RepositoryLock,
    runs: AbortSignal,
    opts: { signal?: AbortSignal; full?: boolean },
  ): Promise<void> {
    // The directory snapshot is taken beside the accounts (issue 12: its round trips no longer add
    // to the pass) and awaited before the pass ends: its failure still fails the run, and nothing
    // of it is left running once the run returns.
    const directory = this.#captureDirectory(opts.signal);
    directory.catch(() => undefined); // handled below; this only keeps it from counting as unhandled meanwhile
    try {
      const scheduler = this.#scheduler(lock, runs, opts.full ?? false);
      // Before the listing: the pass's no-change checks rely on the attributes it returns, so the
      // pass vouches for nothing later than the listing (capture status `completeMs`).
      const passStarted = this.#now();
      const accounts = await this.#serialized(async () => {
        // Every attribute, digested: a pass's no-change check needs no GetAccount (quick-check.ts).
        const list = await this.#refreshAccounts(opts.signal, { digests: true });
        // Written before any account runs, so what a pass commits is findable by name at once,
        // also when the pass is interrupted (an index saved only at the end hid it until a later
        // complete run).
        await this.#roster.save(opts.signal);
        return list;
      });
      this.#live = { lock, scheduler, accounts };
      this.#seedInactive(await previousCaptureStatus(this.#opts.repository.backend, engineName(this.#opts, 'backup')));
      this.#pass = { done: 0, total: accounts.length };
      this.#opts.onProgress?.({ phase: 'accounts', loaded: 0, total: accounts.length, unit: 'accounts' });
      for (const a of accounts) scheduler.schedule(a.id, 'pass');
      await scheduler.onIdle();
      await this.#serialized(() => this.#roster.save(opts.signal));
      await this.#writeStatus('backup', passStarted, accounts, opts.signal);
      // Format v2: the run's index files merged (fewer objects to list and load); size-tiered, so an
      // incremental run rewrites what it added, not the whole index (issue 12).
      await this.#opts.repository.blobs.packs
        ?.compactIndexTiered(opts.signal ? { signal: opts.signal } : {})
        .catch((err: unknown) =>
          this.#log.warn({ err: String(err) }, 'index compaction failed (the index stays valid)'),
        );
    } catch (err) {
      await directory.catch(() => undefined);
      throw err;
    }
    await directory;
    lock.assertHeld();
  }

  /**
   * Runs `fn` while no account is being written: capture pauses (signals that arrive meanwhile
   * are kept and run afterwards), in-flight account runs commit first, cached journals are closed
   * so `fn` may rewrite them, and the account index is re-read afterwards. This is how purge,
   * `check --repair` and other writers run beside real-time capture in one process: they receive
   * the engine's writer lock instead of taking their own (docs/FORMAT.md, "Locks").
   * When the engine is not running, `fn` gets a lock of its own (owner `owner`), released after.
   * @throws `ZB_LOCK_HELD` when the engine is idle and another process holds the lock; whatever `fn` throws.
   */
  async exclusive<T>(
    fn: (lock: RepositoryLock) => Promise<T>,
    opts: { owner?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    return this.#serialized(async () => {
      const live = this.#live;
      if (!live) {
        const lock = await this.#opts.repository.lock({
          owner: opts.owner ?? 'maintenance',
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        lock.startHeartbeat();
        try {
          return await fn(lock);
        } finally {
          await lock.release();
        }
      }
      if (live.lock.mode === 'shared')
        throw new ZimbraBackupError(
          'this engine shares the repository with other engines (--shard/--mail-servers): purge, repair and migrate need the repository alone; stop the engines and run them separately',
          { code: 'ZB_LOCK_HELD', data: { lockId: live.lock.id, mode: 'shared' } },
        );
      await live.scheduler.pause();
      try {
        live.lock.assertHeld();
        await this.#roster.save(opts.signal);
        await this.#journals.closeAll();
        const out = await fn(live.lock);
        return out;
      } finally {
        await this.#journals.closeAll();
        await this.#roster.reload();
        live.scheduler.resume();
      }
    });
  }

  /**
   * SmartScan inside a running `run`/`watch`: every selected account is listed in full against
   * the journal (catches changes a WaitSet or a sync token missed); resolves when the queue is
   * idle again. Outside a run, use `run({ full: true })`.
   * @throws `ZB_INVALID_ARGUMENT` when the engine is not running.
   */
  async smartScan(): Promise<void> {
    const live = this.#live;
    if (!live)
      throw new ZimbraBackupError('smartScan() needs a running engine; use run({ full: true })', {
        code: 'ZB_INVALID_ARGUMENT',
      });
    for (const a of live.accounts) live.scheduler.schedule(a.id, 'catch-up-full');
    await live.scheduler.onIdle();
  }

  /** Real-time capture per mailbox server while `watch` runs (empty otherwise). */
  captureStatus(): ServerCaptureStatus[] {
    return this.#fleet?.status() ?? [];
  }

  /**
   * Where capture stands, for metrics and alerts. An account's lag is the age of its oldest
   * change signal that no finished run covers; while a mailbox server's WaitSet is failing,
   * changes cannot be signalled, so every account's lag is at least the time since it started
   * failing (all accounts: the engine does not track each account's home server here).
   */
  status(): EngineStatus {
    const live = this.#live;
    return engineStatus({
      now: this.#now(),
      totals: this.#result,
      live: live && { accounts: live.accounts, pending: () => live.scheduler.pending() },
      servers: this.#fleet ? this.captureStatus() : undefined,
      lastCapture: this.#lastCapture,
      waiting: this.#journals.waiting(),
    });
  }

  /** The writer lock while `run`/`watch` holds it (task requests from other processes address its id). */
  get heldLock(): RepositoryLock | undefined {
    return this.#held;
  }

  /**
   * Account journals this engine holds open now, in use or idle (real-time capture keeps at most
   * `idleJournals` idle ones; see {@link BackupEngineOptions.idleJournals}).
   */
  get openJournals(): number {
    return this.#journals.openCount;
  }

  /** True while `run` or `watch` holds the repository. */
  get running(): boolean {
    return this.#live !== undefined;
  }

  /**
   * A pass over every account, then real-time capture until `signal` aborts; what is in flight is
   * committed before it resolves.
   */
  async watch(opts: { signal: AbortSignal }): Promise<BackupResult> {
    return this.#locked('watch', undefined, async (lock) => {
      const { signal } = opts;
      await this.#captureDirectory(signal);
      const inner = this.#runSignal(undefined);
      const scheduler = this.#scheduler(lock, inner.signal, false);
      const accounts = await this.#serialized(async () => {
        const list = await this.#refreshAccounts(signal);
        await this.#roster.save(signal); // before any commit: see run()
        return list;
      });
      const live = { lock, scheduler, accounts };
      this.#live = live;
      const partial = coversPart(this.#opts);
      // A signal for an account this engine does not watch, from a server it watches, under a
      // selection by part (not by name): the account moved in (or is new) since the last
      // listing. Only an all-accounts WaitSet can send one (explicit sets list known accounts;
      // those engines learn of a moved-in account at their next directory refresh). Its run looks it up and adopts it when it is this engine's, at once rather than
      // at the next directory refresh (#runAccountOnce). The shard is checked here: it needs no
      // lookup, and a --shard engine hears every server.
      const discover = this.#opts.accounts === undefined;
      const shard = this.#opts.selection?.shard;
      const wanted = (id: string): boolean =>
        !partial ||
        live.accounts.some((a) => a.id === id) ||
        (discover && inSelection(shard ? { shard } : undefined, id, undefined));
      for (const a of live.accounts) scheduler.schedule(a.id, 'initial');
      // Real-time capture (WaitSets, scanners) is loaded by watch only, not by a one-shot backup.
      const { routeServers } = await import('./server-routing.js');
      const routing = routeServers({
        client: this.#opts.client,
        live,
        scheduler,
        wanted,
        serverUrls: this.#opts.serverUrls,
        servers: this.#opts.selection?.mailServers,
        timeoutSeconds: this.#opts.waitSetTimeoutSeconds ?? 300,
        // An engine of some servers (--mail-servers) must hear accounts that move in before its
        // directory refresh lists them: only an all-accounts set does (it signals any local mailbox).
        kind: this.#opts.waitSetKind ?? (this.#opts.selection?.mailServers ? 'all-accounts' : 'explicit'),
        maxExplicitAccounts: this.#opts.maxExplicitAccounts,
        fallback: this.#opts.waitSetFallback,
        logger: this.#log,
      });
      const fleet = routing.fleet;
      this.#fleet = fleet;
      this.#afterRun = routing.afterRun;
      await routing.start(signal);
      // Complete up to the previous engine's word until the first pass is done, then up to now.
      const previous = await previousCaptureStatus(this.#opts.repository.backend, engineName(this.#opts, 'watch'));
      this.#seedInactive(previous);
      let completeMs = previous?.completeMs ?? 0;
      const watchStarted = this.#now();
      void scheduler.onIdle().then(() => (completeMs = Math.max(completeMs, watchStarted)));
      const writeStatus = (): Promise<void> =>
        this.#writeStatus('watch', completeMs >= watchStarted ? this.#now() : completeMs, live.accounts).catch(
          (err: unknown) => this.#log.warn({ err: String(err) }, 'capture status not written'),
        );
      const statusTimer = setInterval(() => void writeStatus(), this.#opts.statusIntervalMs ?? 15_000);
      statusTimer.unref();
      const refresh = setInterval(() => {
        this.#serialized(async () => {
          const list = await this.#refreshAccounts(signal);
          const known = new Set(live.accounts.map((a) => a.id));
          const listed = new Set(list.map((a) => a.id));
          const gone = live.accounts.filter((a) => !listed.has(a.id)).map((a) => a.id);
          live.accounts = list;
          for (const a of list) if (!known.has(a.id)) scheduler.schedule(a.id, 'new-account');
          // Accounts whose lease another engine held: try again (it may have stopped, died, or
          // given the account up after a move).
          for (const id of this.#journals.waiting().keys())
            if (listed.has(id)) scheduler.schedule(id, 'lease-retry');
            else this.#journals.forgetRefusal(id);
          // Accounts that left this engine's part (moved to another server) while it holds their
          // lease: their own run gives it up (#leave), so that never races a commit of theirs.
          for (const id of gone)
            if (this.#journals.holds(id) && !this.#roster.isDeleted(id)) scheduler.schedule(id, 'left');
          await this.#roster.save(signal);
          await fleet.refresh(signal);
        }).catch((err: unknown) => this.#log.warn({ err: String(err) }, 'directory refresh failed'));
      }, this.#opts.refreshMs ?? 300_000);
      refresh.unref();
      // A dead server is said out loud, shown in the status at once, and given up on only when asked.
      let gaveUp: ZimbraBackupError | undefined;
      try {
        gaveUp = await untilStoppedOrGivenUp(signal, {
          status: () => fleet.status(),
          ...(this.#opts.maxDowntimeMs !== undefined ? { maxDowntimeMs: this.#opts.maxDowntimeMs } : {}),
          onChange: () => void writeStatus(),
          logger: this.#log,
        });
      } finally {
        clearInterval(refresh);
        clearInterval(statusTimer);
        // Giving up: runs against the dead server are cut short instead of waited for.
        if (gaveUp) inner.abort(gaveUp);
        await writeStatus();
        await fleet.close();
        this.#fleet = undefined;
        this.#afterRun = undefined;
        await scheduler.close();
        inner.abort();
        inner.dispose();
        await this.#serialized(() => this.#roster.save());
      }
      if (gaveUp) throw gaveUp;
    });
  }

  #now(): number {
    return (this.#opts.now ?? Date.now)();
  }

  /** Writes this engine's capture status (capture-status.ts): servers, failing accounts, completeness. */
  async #writeStatus(
    mode: string,
    completeMs: number,
    accounts: readonly DirectoryObject[],
    signal?: AbortSignal,
  ): Promise<void> {
    await writeEngineCaptureStatus(
      this.#opts.repository.backend,
      {
        engine: engineName(this.#opts, mode),
        startedMs: this.#startedMs,
        now: this.#now(),
        completeMs,
        servers: this.#fleet?.status() ?? [],
        failing: this.#failingOrWaiting(),
        inactive: this.#inactive,
        accounts,
        partial: coversPart(this.#opts),
      },
      signal,
    );
  }

  /**
   * The failing accounts, plus those waiting for another engine to give their lease up (after a
   * move): nobody captures them meanwhile, so `status` shows them lagging, and why.
   */
  #failingOrWaiting(): Map<string, { sinceMs: number; error: string }> {
    const out = new Map(this.#failing);
    for (const [id, sinceMs] of this.#journals.waiting())
      if (!out.has(id))
        out.set(id, {
          sinceMs,
          error:
            'ZB_LOCK_HELD: another engine still holds this account (after a move: until it lists the directory again)',
        });
    return out;
  }

  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#mutex.then(fn, fn);
    this.#mutex = next.catch(() => undefined);
    return next;
  }

  async #captureDirectory(signal: AbortSignal | undefined): Promise<void> {
    const capture = this.#opts.directory;
    if (!capture) return;
    const r = await captureDirectory({
      capture,
      client: this.#opts.client,
      backend: this.#opts.repository.backend,
      at: new Date(this.#opts.now?.() ?? Date.now()),
      ...(signal ? { signal } : {}),
    });
    this.#result.directory = r;
    if (r.warning) this.#log.warn({ key: r.key }, r.warning);
    this.#opts.onDirectory?.(r);
  }

  async #locked(
    owner: string,
    signal: AbortSignal | undefined,
    body: (lock: RepositoryLock) => Promise<void>,
  ): Promise<BackupResult> {
    const started = Date.now();
    this.#startedMs = this.#now();
    this.#result = emptyResult();
    this.#accountsRun = new Set();
    const partial = isPartial(this.#opts.selection);
    const lock = await this.#opts.repository.lock({
      owner: this.#opts.lockOwner ?? owner,
      // A partial engine shares the repository with the engines of the other parts.
      ...(partial ? { mode: 'shared' as const, selection: selectionLabel(this.#opts.selection) } : {}),
      ...(signal ? { signal } : {}),
    });
    lock.startHeartbeat();
    this.#held = lock;
    this.#mode = owner;
    try {
      await this.#roster.load(signal);
      await body(lock);
      return { ...this.#result, durationMs: Date.now() - started };
    } finally {
      this.#live = undefined;
      this.#pass = undefined;
      this.#held = undefined;
      await this.#journals.closeAll();
      await this.#journals.releaseLeases(lock.id);
      await lock.release();
    }
  }

  /** Since-when of accounts an earlier engine run already found inactive (it survives one-shot runs). */
  #seedInactive(previous: CaptureStatus | undefined): void {
    for (const [id, v] of Object.entries(previous?.inactive ?? {}))
      if (!this.#inactive.has(id)) this.#inactive.set(id, v);
  }

  /**
   * An account in maintenance (or otherwise inactive) is a warning: its history stays, it is not
   * marked deleted, and the next pass tries it again (SoapEngine.java, UserServlet.java).
   */
  #skipInactive(id: string, err: AccountInactiveError): void {
    const error = `${err.faultCode}: ${err.message}`.slice(0, 300);
    const sinceMs = this.#inactive.get(id)?.sinceMs ?? this.#now();
    this.#inactive.set(id, { sinceMs, error });
    this.#failing.delete(id);
    this.#result.inactive = this.#result.inactive.filter((x) => x.accountId !== id);
    this.#result.inactive.push({ accountId: id, sinceMs, error });
    this.#log.warn({ accountId: id, sinceMs, error }, 'account inactive on the server; skipped, tried again next pass');
  }

  /**
   * An account whose earlier runs failed (its server was down) ran again successfully: those
   * failures are history, not the run's outcome, so a watch that caught up exits 0.
   */
  #recovered(id: string): void {
    const before = this.#result.failures.length;
    this.#result.failures = this.#result.failures.filter((f) => f.accountId !== id || f.itemId !== undefined);
    this.#log.info({ accountId: id, failedRuns: before - this.#result.failures.length }, 'account caught up');
  }

  #scheduler(lock: RepositoryLock, signal: AbortSignal | undefined, full: boolean): AccountScheduler {
    return new AccountScheduler({
      concurrency: this.#opts.concurrency ?? 4,
      run: async (id, reasons) => {
        // Only a pass's own run may take its attributes from the pass's listing; a run for any
        // other reason (a change signal, a new account) reads them afresh.
        const listed = reasons.size === 1 && reasons.has('pass');
        const out = await this.#runAccount(lock, id, full || reasons.has('catch-up-full'), signal, listed);
        // real-time capture learns tokens and probe results (deaf WaitSets) from each run
        if (out) this.#afterRun?.(id, reasons, out);
      },
      onError: (id, err) => {
        if (err instanceof AccountInactiveError) return this.#skipInactive(id, err);
        const error =
          err instanceof ZimbraBackupError ? `${faultCodeOf(err) ?? err.code}: ${err.message}` : String(err);
        this.#log.error({ accountId: id, error }, 'account backup failed');
        this.#result.failures.push({ accountId: id, error });
        const since = this.#failing.get(id)?.sinceMs ?? this.#now();
        this.#failing.set(id, { sinceMs: since, error: error.slice(0, 300) });
      },
    });
  }

  /** Lists the accounts (roster.refresh), announcing the listing as a progress event. */
  async #refreshAccounts(
    signal: AbortSignal | undefined,
    opts: { digests?: boolean } = {},
  ): Promise<DirectoryObject[]> {
    this.#opts.onProgress?.({ phase: 'accounts', loaded: 0, unit: 'accounts' });
    return this.#roster.refresh(signal, opts);
  }

  async #runAccount(
    lock: RepositoryLock,
    id: string,
    full: boolean,
    signal: AbortSignal | undefined,
    listed = false,
  ): Promise<AccountRunOutcome | undefined> {
    try {
      return await this.#runAccountOnce(lock, id, full, signal, listed);
    } finally {
      const pass = this.#pass;
      if (pass && pass.done < pass.total) {
        pass.done++;
        this.#opts.onProgress?.({
          phase: 'accounts',
          accountId: id,
          loaded: pass.done,
          total: pass.total,
          unit: 'accounts',
        });
      }
    }
  }

  async #runAccountOnce(
    lock: RepositoryLock,
    id: string,
    full: boolean,
    signal: AbortSignal | undefined,
    fromListing: boolean,
  ): Promise<AccountRunOutcome | undefined> {
    lock.assertHeld();
    // A pass's run of a listed account checks for "no change" against the listing's attribute
    // digest (the same attributes GetAccount returns); GetAccount is sent only when it goes on
    // to a full run, which records attributes read at run time.
    const listed = fromListing && !full ? this.#roster.listed(id) : undefined;
    let acct = listed?.account ?? (await fetchAccount(this.#opts.client, id, signal));
    if (!this.#mine(id, acct)) {
      await this.#leave(lock, id, mailHostOf(acct.attrs));
      return undefined;
    }
    // Adopted before its lease: an account waiting for another engine to give it up is this
    // engine's already, and status reports it as lagging meanwhile.
    await this.#adopt(acct, signal);
    if (!(await this.#journals.lease(lock, id))) return undefined;
    // Nothing changed since the last commit: done without opening the journal (quick-check.ts).
    const quick =
      full || this.#journals.warm(id)
        ? undefined
        : await unchangedAccount({
            client: this.#opts.client,
            backend: this.#opts.repository.backend,
            accountId: id,
            ...(listed ? { attrsDigest: listed.digest } : { account: acct }),
            signal,
          });
    if (!quick?.unchanged && listed) {
      acct = await fetchAccount(this.#opts.client, id, signal);
      if (!this.#mine(id, acct)) {
        await this.#leave(lock, id, mailHostOf(acct.attrs));
        return undefined;
      }
    }
    const out: AccountRunOutcome = quick?.unchanged
      ? { result: quick.unchanged, token: undefined, moved: false }
      : await this.#fullAccountRun(lock, acct, full, signal, quick?.received);
    const r = out.result;
    addAccountRun(this.#result, this.#accountsRun, r);
    if (this.#failing.delete(id)) this.#recovered(id);
    this.#inactive.delete(id);
    this.#result.inactive = this.#result.inactive.filter((x) => x.accountId !== id);
    if (r.failures.length === 0) this.#lastCapture.set(id, this.#now());
    this.#opts.onAccountRun?.(r);
    return out;
  }

  /**
   * Attributes, then the sync delta (or listing) against the account's journal; with the token
   * it committed and whether the account moved (real-time capture uses both).
   */
  async #fullAccountRun(
    lock: RepositoryLock,
    acct: DirectoryObject,
    full: boolean,
    signal: AbortSignal | undefined,
    received: ReceivedPage | undefined,
  ): Promise<AccountRunOutcome> {
    const id = acct.id;
    if (lock.mode === 'shared') await this.#refreshBlobIndex(signal);
    const journal = await this.#journals.acquire(id);
    try {
      return await this.#accountInJournal(acct, journal, full, signal, received);
    } finally {
      // A one-shot pass runs each account once: its journal (about 1 KB of heap per item) is closed
      // as soon as the account is done, so a run's memory follows the accounts running at once, not
      // the whole site (issue 12: peak RSS flat from 1k to 50k items). Real-time capture keeps
      // the `idleJournals` most recently used ones that did not read their whole state
      // (engine-journals.ts), so its memory does not grow with every account that ever changed.
      if (this.#mode === 'backup') await this.#journals.forget(id, journal);
      else await this.#journals.done(id, journal);
    }
  }

  async #accountInJournal(
    acct: DirectoryObject,
    journal: Journal,
    full: boolean,
    signal: AbortSignal | undefined,
    received?: ReceivedPage,
  ): Promise<AccountRunOutcome> {
    const id = acct.id;
    const moved = await captureAttributes(acct, journal, signal);
    // Loaded with the first full run: a no-change run never needs the item download path.
    const { backupAccount } = await import('./account-backup.js');
    if (moved) this.#log.info({ accountId: id, ...moved }, 'account moved to another mailbox server; resyncing');
    const result = await backupAccount({
      journal,
      accountId: id,
      full,
      // The quick check's answer, unless the account moved (its next listing is of the new mailbox).
      ...(received && !moved ? { received } : {}),
      ...(this.#opts.bulkDownload === false ? { bulkDownload: false } : {}),
      ...(this.#opts.onProgress ? { onProgress: this.#opts.onProgress } : {}),
      fetch: {
        client: this.#opts.client,
        account: { by: 'id', value: id },
        blobs: this.#opts.repository.blobs,
        limit: (fn) => this.#itemLimit(fn),
        ...(this.#opts.maxItemBytes !== undefined ? { maxItemBytes: this.#opts.maxItemBytes } : {}),
        ...(signal ? { signal } : {}),
      },
    });
    return { result, token: (journal.lastState() as CursorState | undefined)?.token, moved: moved !== undefined };
  }

  /**
   * True when the account, with its current attributes, belongs to this engine's part. Only
   * `zimbraMailHost` can change which part an account is in (the shard is a function of the id).
   */
  #mine(id: string, acct: DirectoryObject): boolean {
    const sel = this.#opts.selection;
    return !isPartial(sel) || inSelection(sel, id, mailHostOf(acct.attrs));
  }

  /**
   * The account moved to a mailbox server outside this engine's part: it is dropped from the
   * watched accounts and its lease is given up, so the engine of its new server takes it over
   * (docs/FORMAT.md "Several engines"). Nothing is committed for it here: the new engine records
   * the move and lists the new mailbox in full. Runs inside the account's own job, so no commit of
   * this engine can follow the release.
   */
  async #leave(lock: RepositoryLock, id: string, mailHost: string | undefined): Promise<void> {
    const live = this.#live;
    if (live) live.accounts = live.accounts.filter((a) => a.id !== id);
    this.#failing.delete(id);
    if (!this.#journals.holds(id)) {
      this.#journals.forgetRefusal(id);
      return;
    }
    await this.#journals.release(lock, id);
    this.#log.info(
      { accountId: id, mailHost: mailHost ?? null },
      "account moved to a mailbox server outside this engine's part; its lease is released for the engine of that server",
    );
  }

  /**
   * An account that is this engine's but not among its watched accounts (it moved in from
   * another server, or was created, since the last directory listing) joins them at once, and
   * the account index names it before its first commit.
   */
  async #adopt(acct: DirectoryObject, signal: AbortSignal | undefined): Promise<void> {
    const live = this.#live;
    if (!live || live.accounts.some((a) => a.id === acct.id)) return;
    live.accounts = [...live.accounts, acct];
    await this.#roster.adopt(acct, signal);
    this.#log.info({ accountId: acct.id, mailHost: mailHostOf(acct.attrs) ?? null }, 'account joined this engine');
  }

  /**
   * Re-reads the index files other engines wrote (at most once a second, shared by concurrent
   * runs): a blob another engine stored since this one loaded the index is then found instead of
   * stored again. Two engines storing the same new blob within that window may both store it
   * (safe: the index keeps one location; see docs/FORMAT.md "Several engines").
   */
  async #refreshBlobIndex(signal: AbortSignal | undefined): Promise<void> {
    const packs = this.#opts.repository.blobs.packs;
    if (!packs) return;
    if (this.#packsRefreshing) return this.#packsRefreshing;
    if (this.#now() - this.#packsRefreshedMs < 1000) return;
    this.#packsRefreshing = packs
      .refresh(signal ? { signal } : {})
      .then(() => {
        this.#packsRefreshedMs = this.#now();
      })
      .finally(() => {
        this.#packsRefreshing = undefined;
      });
    return this.#packsRefreshing;
  }
}
