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
 * @module
 */
import pLimit from 'p-limit';
import { ZimbraBackupError } from '../errors.js';
import { resolveLogger, type Logger } from '../internal/logger.js';
import { safeZimbraId } from '../internal/safe-id.js';
import { Journal } from '../journal/journal.js';
import type { JsonValue } from '../journal/types.js';
import type { Repository } from '../repository/repository.js';
import type { RepositoryLock } from '../repository/lock.js';
import { EngineLeases } from './engine-leases.js';
import { writeEngineAccountIndex } from '../repository/account-index.js';
import type { DirectoryObject } from '../soap/requests/directory.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import { hostname } from 'node:os';
import { ScannerFleet, type ServerCaptureStatus } from '../sync/scanner-fleet.js';
import { readCaptureStatuses, writeCaptureStatus, type CaptureStatus } from './capture-status.js';
import { backupAccount, type AccountRunResult } from './account-backup.js';
import type { CursorState } from '../repository/cursor-state.js';
import type { AccountIndexEntry } from '../repository/account-index.js';
import { captureDirectory, type DirectoryCapture } from '../directory/capture-directory.js';
import type { DirectorySnapshotResult } from '../directory/directory-snapshot.js';
import { attributesChanged } from './account-attrs.js';
import { mailHostOf, withoutBlockedValues } from '../directory/account-attributes.js';
import type { BackupProgress } from './progress.js';
import { AccountScheduler } from './scheduler.js';
import { inSelection, isPartial, selectionLabel, validateSelection, type AccountSelection } from './selection.js';

/** Options of {@link BackupEngine}. */
export interface BackupEngineOptions {
  /** A client authenticated as a Zimbra admin. */
  client: ZimbraClient;
  /** The repository to write (the engine takes its writer lock while running). */
  repository: Repository;
  /**
   * Only these accounts (names or zimbraIds). Default: every account. A name the server does not
   * list is reported (a warning and a `ZB_NOT_FOUND` entry in `failures`, once per run) and the
   * others are backed up: one deleted account in a list must not stop the backup of the rest.
   */
  accounts?: string[];
  /**
   * This engine's part of the accounts when several engines write one repository (`--shard`,
   * `--mail-servers`): only those accounts are backed up or marked deleted, only those servers'
   * WaitSets are watched, and the engine takes a shared lock (docs/FORMAT.md, "Several writers").
   * Default: every account, exclusive lock.
   */
  selection?: AccountSelection;
  /** Accounts backed up at once. Default 4. */
  concurrency?: number;
  /** Item downloads at once, across all accounts. Default 8. */
  itemConcurrency?: number;
  /** Largest item accepted, in bytes. Default: no bound. */
  maxItemBytes?: number;
  /**
   * Admin base URL of each mailbox server by name, where the one derived from the server's
   * `zimbraServiceHostname` and `zimbraAdminPort` is not reachable from here (watch).
   */
  serverUrls?: Readonly<Record<string, string>>;
  /** How often `watch` rewrites its capture status (status/capture-<engine>.json), in ms. Default 15000. */
  statusIntervalMs?: number;
  /** This engine's name in the capture status. Default: `<host>-<lock owner>`. */
  engineName?: string;
  /** WaitSet poll timeout in seconds (watch). Default 300. */
  waitSetTimeoutSeconds?: number;
  /** Directory refresh period in watch mode, in ms (new and deleted accounts). Default 300000. */
  refreshMs?: number;
  /** Progress events (not monotonic: accounts run in parallel). */
  onProgress?: (p: BackupProgress) => void;
  /**
   * Also save a directory snapshot into the repository, read over LDAP or through admin SOAP
   * (`run`: after the pass; `watch`: before capture starts). Default: no directory snapshot.
   */
  directory?: DirectoryCapture;
  /** Called after each directory snapshot (a SOAP snapshot carries a warning: no password hashes). */
  onDirectory?: (r: DirectorySnapshotResult) => void;
  /** Called after each account run (watch mode: after each real-time capture). */
  onAccountRun?: (r: AccountRunResult) => void;
  logger?: Logger | false;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Owner label of the writer lock shown to other processes. Default: 'backup' (`run`), 'watch' (`watch`). */
  lockOwner?: string;
}

/** The summary of a backup run (`zimbra-backup backup --json`). */
export interface BackupResult {
  /** Accounts backed up in this run. */
  accounts: number;
  itemsNew: number;
  itemsChanged: number;
  itemsDeleted: number;
  /** Bytes received from the server. */
  bytesDownloaded: number;
  /** Bytes written to the repository after dedup and compression. */
  bytesStored: number;
  durationMs: number;
  /** Accounts the server no longer lists, marked deleted in this run. */
  accountsDeleted: number;
  /** Per-account or per-item failures (the run goes on). */
  failures: Array<{ accountId: string; itemId?: string; error: string }>;
  /** The directory snapshot saved by this run, with the `directory` option. */
  directory?: DirectorySnapshotResult;
}

/** A snapshot of a running engine, for metrics and alerts ({@link BackupEngine.status}). */
export interface EngineStatus {
  /** True while `run` or `watch` holds the repository. */
  running: boolean;
  /**
   * Real-time notification over all mailbox servers: `connecting` before the first WaitSet,
   * `up` while every server's polls succeed, `down` while any is failing; absent outside `watch`.
   */
  waitSet?: 'connecting' | 'up' | 'down';
  /** Per mailbox server WaitSet state, in `watch`. */
  servers?: ServerCaptureStatus[];
  /** Per selected account: zimbraId, name, capture lag in ms, and the last successful run (ms since the epoch). */
  accounts: Array<{ id: string; name: string; lagMs: number; lastCaptureMs?: number }>;
  /** Totals of the current run or watch so far. */
  totals: BackupResult;
}

/** Runs backups of a Zimbra server into a repository. */
export class BackupEngine {
  readonly #opts: BackupEngineOptions;
  readonly #log: Logger;
  readonly #itemLimit: ReturnType<typeof pLimit>;
  readonly #journals = new Map<string, Promise<Journal>>();
  #index: AccountIndexEntry[] = [];
  #indexDirty = false;
  #result: BackupResult = emptyResult();
  /** Selected names the server does not list, already reported in this run. */
  #reportedMissing = new Set<string>();
  /** Accounts that ran in this run or watch (the result counts each once). */
  #accountsRun = new Set<string>();
  /** While `run`/`watch` runs: the held lock, the scheduler and the selected accounts. */
  #live: { lock: RepositoryLock; scheduler: AccountScheduler; accounts: DirectoryObject[] } | undefined;
  #startedMs = 0;
  /** Accounts whose last run failed, for the capture status. */
  readonly #failing = new Map<string, { sinceMs: number; error: string }>();
  /** Accounts finished in the current `run()` pass, for progress events. */
  #pass: { done: number; total: number } | undefined;
  /** Last successful run of each account in this engine's life, ms since the epoch. */
  readonly #lastCapture = new Map<string, number>();
  /** The account journal leases this engine holds or waits for (shared lock only). */
  readonly #leases: EngineLeases;
  /** When the blob index was last re-read (shared lock: other engines index blobs too). */
  #packsRefreshedMs = 0;
  #packsRefreshing: Promise<void> | undefined;
  /** The lock held by `run`/`watch` (set before the first directory listing). */
  #held: RepositoryLock | undefined;
  /** `backup` or `watch` while running (names this engine's status and index files). */
  #mode = 'backup';
  /** The per-server scanners while `watch` runs. */
  #fleet: ScannerFleet | undefined;
  /** Serializes exclusive sections and directory refreshes (both touch the index and journals). */
  #mutex: Promise<unknown> = Promise.resolve();

  constructor(opts: BackupEngineOptions) {
    validateSelection(opts.selection);
    this.#opts = opts;
    this.#log = resolveLogger(opts.logger);
    this.#itemLimit = pLimit(opts.itemConcurrency ?? 8);
    this.#leases = new EngineLeases(opts.repository.backend, this.#log, () => this.#now());
  }

  /** One backup pass over the selected accounts. `full` lists every mailbox (SmartScan). */
  async run(opts: { signal?: AbortSignal; full?: boolean } = {}): Promise<BackupResult> {
    return this.#locked('backup', opts.signal, async (lock) => {
      const scheduler = this.#scheduler(lock, opts.signal, opts.full ?? false);
      const accounts = await this.#serialized(async () => {
        const list = await this.#refreshAccounts(opts.signal);
        // Written before any account runs, so what a pass commits is findable by name at once,
        // also when the pass is interrupted (an index saved only at the end hid it until a later
        // complete run).
        await this.#saveIndex(opts.signal);
        return list;
      });
      this.#live = { lock, scheduler, accounts };
      const passStarted = this.#now();
      this.#pass = { done: 0, total: accounts.length };
      this.#opts.onProgress?.({ phase: 'accounts', loaded: 0, total: accounts.length, unit: 'accounts' });
      for (const a of accounts) scheduler.schedule(a.id, 'pass');
      await scheduler.onIdle();
      await this.#serialized(() => this.#saveIndex(opts.signal));
      await this.#writeStatus('backup', passStarted, accounts, opts.signal);
      // Format v2: one index file per run instead of one per flush (fewer objects to list and load).
      await this.#opts.repository.blobs.packs
        ?.compactIndex(opts.signal ? { signal: opts.signal } : {})
        .catch((err: unknown) =>
          this.#log.warn({ err: String(err) }, 'index compaction failed (the index stays valid)'),
        );
      lock.assertHeld();
      await this.#captureDirectory(opts.signal);
    });
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
        await this.#saveIndex(opts.signal);
        await this.#closeJournals();
        const out = await fn(live.lock);
        return out;
      } finally {
        await this.#closeJournals();
        this.#index = await this.#opts.repository.accounts().catch(() => this.#index);
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
    const now = (this.#opts.now ?? Date.now)();
    const live = this.#live;
    const out: EngineStatus = {
      running: live !== undefined,
      accounts: [],
      totals: { ...this.#result, failures: [...this.#result.failures] },
    };
    if (!live) return out;
    const servers = this.captureStatus();
    let downSince: number | undefined;
    if (this.#fleet) {
      const failing = servers.filter((s) => s.state === 'failing');
      downSince = failing.length > 0 ? Math.min(...failing.map((s) => s.sinceMs)) : undefined;
      out.waitSet = failing.length > 0 ? 'down' : servers.length === 0 ? 'connecting' : 'up';
      out.servers = servers;
    }
    const pending = live.scheduler.pending();
    // An account another engine still holds (e.g. the one of its old server after a move) is not
    // captured by anyone here until its lease is handed over: it lags since the refusal.
    const waiting = this.#leases.waiting();
    for (const a of live.accounts) {
      const since = pending.get(a.id) ?? waiting.get(a.id);
      const lagMs = Math.max(since === undefined ? 0 : now - since, downSince === undefined ? 0 : now - downSince);
      const last = this.#lastCapture.get(a.id);
      out.accounts.push({ id: a.id, name: a.name, lagMs, ...(last !== undefined ? { lastCaptureMs: last } : {}) });
    }
    return out;
  }

  /** True while `run` or `watch` holds the repository. */
  get running(): boolean {
    return this.#live !== undefined;
  }

  #now(): number {
    return (this.#opts.now ?? Date.now)();
  }

  #engineName(mode: string): string {
    // Engines of one host with different selections must not share a status/index file.
    const sel = selectionLabel(this.#opts.selection);
    return this.#opts.engineName ?? `${hostname()}-${this.#opts.lockOwner ?? mode}${sel ? `-${sel}` : ''}`;
  }

  async #previousStatus(mode: string): Promise<CaptureStatus | undefined> {
    const name = this.#engineName(mode);
    const all = await readCaptureStatuses(this.#opts.repository.backend).catch(() => []);
    return all.find((s) => s.engine === name);
  }

  /** Writes this engine's capture status (capture-status.ts): servers, failing accounts, completeness. */
  async #writeStatus(
    mode: string,
    completeMs: number,
    accounts: readonly DirectoryObject[],
    signal?: AbortSignal,
  ): Promise<void> {
    const now = this.#now();
    const status: CaptureStatus = {
      version: 1,
      engine: this.#engineName(mode),
      startedMs: this.#startedMs,
      updatedMs: now,
      completeMs,
      servers: (this.#fleet?.status() ?? []).map((s) => ({
        name: s.name,
        state: s.state,
        sinceMs: s.sinceMs,
        ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
      })),
      failing: Object.fromEntries(this.#failing),
      ...(this.#opts.accounts !== undefined || isPartial(this.#opts.selection)
        ? { accounts: accounts.map((a) => a.id) }
        : {}),
    };
    await writeCaptureStatus(this.#opts.repository.backend, status, signal);
  }

  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#mutex.then(fn, fn);
    this.#mutex = next.catch(() => undefined);
    return next;
  }

  async #closeJournals(): Promise<void> {
    const open = [...this.#journals.values()];
    this.#journals.clear();
    await Promise.all(open.map(async (j) => (await j.catch(() => undefined))?.close()));
  }

  /**
   * A pass over every account, then real-time capture until `signal` aborts; what is in flight is
   * committed before it resolves.
   */
  async watch(opts: { signal: AbortSignal }): Promise<BackupResult> {
    return this.#locked('watch', undefined, async (lock) => {
      const { signal } = opts;
      await this.#captureDirectory(signal);
      const inner = new AbortController();
      const scheduler = this.#scheduler(lock, inner.signal, false);
      const accounts = await this.#serialized(async () => {
        const list = await this.#refreshAccounts(signal);
        await this.#saveIndex(signal); // before any commit: see run()
        return list;
      });
      const live = { lock, scheduler, accounts };
      this.#live = live;
      const partial = this.#opts.accounts !== undefined || isPartial(this.#opts.selection);
      // A signal for an account this engine does not watch, from a server it watches, under a
      // selection by part (not by name): the account moved in (or is new) since the last
      // listing. Its run looks it up and adopts it when it is this engine's, at once rather than
      // at the next directory refresh (#runAccountOnce, #adopt).
      const discover = this.#opts.accounts === undefined;
      const shard = this.#opts.selection?.shard;
      const wanted = (id: string): boolean =>
        !partial ||
        live.accounts.some((a) => a.id === id) ||
        (discover && inSelection(shard ? { shard } : undefined, id, undefined));
      for (const a of live.accounts) scheduler.schedule(a.id, 'initial');
      const homeOf = (id: string): string | undefined => mailHostOf(live.accounts.find((a) => a.id === id)?.attrs);
      const started = new Set<string>();
      let initialServers = new Set<string>();
      const fleet = new ScannerFleet({
        client: this.#opts.client,
        onChange: (id) => {
          if (wanted(id)) scheduler.schedule(id, live.accounts.some((a) => a.id === id) ? 'waitset' : 'discovered');
        },
        onReset: (server, why) => {
          // The first WaitSet of a server known at start is covered by the initial pass; a server
          // that appears later, or any WaitSet recreated, leaves a gap its accounts must catch up.
          const first = why === 'created' && !started.has(server);
          started.add(server);
          if (first && initialServers.has(server)) return;
          const single = fleet.servers.length <= 1;
          for (const a of live.accounts) if (single || homeOf(a.id) === server) scheduler.schedule(a.id, 'catch-up');
        },
        ...(this.#opts.serverUrls ? { serverUrls: this.#opts.serverUrls } : {}),
        ...(this.#opts.selection?.mailServers ? { servers: this.#opts.selection.mailServers } : {}),
        timeoutSeconds: this.#opts.waitSetTimeoutSeconds ?? 300,
        logger: this.#log,
      });
      this.#fleet = fleet;
      await fleet.refresh(signal);
      initialServers = new Set(fleet.servers);
      // Complete up to the previous engine's word until the first pass is done, then up to now.
      let completeMs = (await this.#previousStatus('watch'))?.completeMs ?? 0;
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
          const now = new Set(list.map((a) => a.id));
          const gone = live.accounts.filter((a) => !now.has(a.id)).map((a) => a.id);
          live.accounts = list;
          for (const a of list) if (!known.has(a.id)) scheduler.schedule(a.id, 'new-account');
          // Accounts whose lease another engine held: try again (it may have stopped, died, or
          // released the account after a move).
          for (const id of this.#leases.waiting().keys())
            if (now.has(id)) scheduler.schedule(id, 'lease-retry');
            else this.#leases.forget(id);
          // Accounts that left this engine's part (moved to another server) while it holds their
          // lease: their own run releases it (#leave), so it never races a commit of theirs.
          const deleted = new Set(this.#index.filter((e) => e.deletedMs !== undefined).map((e) => e.id));
          for (const id of gone) if (this.#leases.holds(id) && !deleted.has(id)) scheduler.schedule(id, 'left');
          await this.#saveIndex(signal);
          await fleet.refresh(signal);
        }).catch((err: unknown) => this.#log.warn({ err: String(err) }, 'directory refresh failed'));
      }, this.#opts.refreshMs ?? 300_000);
      refresh.unref();
      try {
        await new Promise<void>((resolve) =>
          signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
        );
      } finally {
        clearInterval(refresh);
        clearInterval(statusTimer);
        await writeStatus();
        await fleet.close();
        this.#fleet = undefined;
        await scheduler.close();
        inner.abort();
        await this.#serialized(() => this.#saveIndex());
      }
    });
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
    this.#reportedMissing = new Set();
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
      this.#index = await this.#opts.repository.accounts(signal);
      await body(lock);
      return { ...this.#result, durationMs: Date.now() - started };
    } finally {
      this.#live = undefined;
      this.#pass = undefined;
      this.#held = undefined;
      await this.#closeJournals();
      await this.#leases.releaseAll(lock);
      await lock.release();
    }
  }

  #scheduler(lock: RepositoryLock, signal: AbortSignal | undefined, full: boolean): AccountScheduler {
    return new AccountScheduler({
      concurrency: this.#opts.concurrency ?? 4,
      run: (id, reasons) => this.#runAccount(lock, id, full || reasons.has('catch-up-full'), signal),
      onError: (id, err) => {
        const error =
          err instanceof ZimbraBackupError
            ? `${(err as { faultCode?: string }).faultCode ?? err.code}: ${err.message}`
            : String(err);
        this.#log.error({ accountId: id, error }, 'account backup failed');
        this.#result.failures.push({ accountId: id, error });
        const since = this.#failing.get(id)?.sinceMs ?? this.#now();
        this.#failing.set(id, { sinceMs: since, error: error.slice(0, 300) });
      },
    });
  }

  #journal(id: string): Promise<Journal> {
    let j = this.#journals.get(id);
    if (!j) {
      // A writable repo.journal flushes the blob store's open pack before each commit (format v2).
      j = this.#opts.repository.journal(id, { logger: this.#log });
      this.#journals.set(id, j);
    }
    return j;
  }

  /**
   * Under a shared lock, the account's journal lease (lease.ts): false when another live engine
   * writes this account (it is skipped, and retried at the next directory refresh). Under an
   * exclusive lock, always true.
   */
  #lease(lock: RepositoryLock, id: string): Promise<boolean> {
    return this.#leases.acquire(lock, id);
  }

  /**
   * True when the account, with its current attributes, belongs to this engine's part. Only
   * `zimbraMailHost` can change which part an account is in (the shard is a function of the id).
   */
  #mine(id: string, attrs: DirectoryObject['attrs']): boolean {
    const sel = this.#opts.selection;
    return !isPartial(sel) || inSelection(sel, id, mailHostOf(attrs));
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
    if (!this.#leases.holds(id)) {
      this.#leases.forget(id);
      return;
    }
    // Its journal may be written by another engine from now on: never reuse this cached copy.
    const cached = this.#journals.get(id);
    this.#journals.delete(id);
    await (await cached?.catch(() => undefined))?.close();
    await this.#leases.release(lock, id);
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
    const now = this.#now();
    const entry = this.#index.find((e) => e.id === acct.id);
    if (entry) {
      entry.name = acct.name;
      entry.lastSeenMs = now;
      delete entry.deletedMs;
    } else this.#index.push({ id: acct.id, name: acct.name, firstSeenMs: now, lastSeenMs: now });
    this.#indexDirty = true;
    await this.#saveIndex(signal);
    this.#log.info({ accountId: acct.id, mailHost: mailHostOf(acct.attrs) ?? null }, 'account joined this engine');
  }

  /**
   * Re-reads index files other engines wrote (at most once a second, shared): a blob another
   * engine stored since this one loaded the index is then deduplicated instead of stored again.
   * Two engines storing the same new blob within that second may both store it (harmless: the
   * index keeps one location; purge repacks the other away).
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

  async #runAccount(lock: RepositoryLock, id: string, full: boolean, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.#runAccountOnce(lock, id, full, signal);
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
  ): Promise<void> {
    lock.assertHeld();
    const account = { by: 'id' as const, value: id };
    const acct = await this.#opts.client.getAccount(account, signal ? { signal } : {});
    // secrets come back as VALUE-BLOCKED: a placeholder a restore must never write back as a hash
    acct.attrs = withoutBlockedValues(acct.attrs);
    if (!this.#mine(id, acct.attrs)) {
      await this.#leave(lock, id, mailHostOf(acct.attrs));
      return;
    }
    if (!(await this.#lease(lock, id))) return;
    await this.#adopt(acct, signal);
    if (lock.mode === 'shared') await this.#refreshBlobIndex(signal);
    const journal = await this.#journal(id);
    const moved = await this.#captureAttributes(journal, acct.attrs, signal);
    if (moved) this.#log.info({ accountId: id, ...moved }, 'account moved to another mailbox server; resyncing');
    const r = await backupAccount({
      journal,
      accountId: id,
      full,
      ...(this.#opts.onProgress ? { onProgress: this.#opts.onProgress } : {}),
      fetch: {
        client: this.#opts.client,
        account,
        blobs: this.#opts.repository.blobs,
        limit: (fn) => this.#itemLimit(fn),
        ...(this.#opts.maxItemBytes !== undefined ? { maxItemBytes: this.#opts.maxItemBytes } : {}),
        ...(signal ? { signal } : {}),
      },
    });
    this.#add(r);
    this.#failing.delete(id);
    if (r.failures.length === 0) this.#lastCapture.set(id, (this.#opts.now ?? Date.now)());
    this.#opts.onAccountRun?.(r);
  }

  /**
   * Records the account's attributes when they changed; returns the old and new server when its
   * `zimbraMailHost` changed since the last backup (a mailbox move).
   */
  async #captureAttributes(
    journal: Journal,
    attrs: DirectoryObject['attrs'],
    signal: AbortSignal | undefined,
  ): Promise<{ from: string; to: string } | undefined> {
    const acct = { attrs };
    const prev = journal.current().account?.attrs;
    const from = mailHostOf(prev);
    const to = mailHostOf(acct.attrs);
    const state = journal.lastState() as CursorState | undefined;
    const moved = from !== undefined && to !== undefined && from !== to && state?.token !== undefined;
    if (!moved && !attributesChanged(prev, acct.attrs) && !journal.current().accountDeleted) return undefined;
    // A move makes the sync token meaningless (the new server's mailbox counts changes anew): the
    // new attributes, a resync marker and a state without token commit together, so a crash
    // before the full listing completes still lists in full on the next run.
    const next: CursorState | null = moved ? withoutToken(state) : ((state ?? null) as CursorState | null);
    await journal.commit(
      [
        { type: 'account', attrs: acct.attrs },
        ...(moved ? [{ type: 'resync' as const, reason: 'account-moved' }] : []),
      ],
      { state: next as JsonValue | null, ...(signal ? { signal } : {}) },
    );
    return moved ? { from, to } : undefined;
  }

  #add(r: AccountRunResult): void {
    const t = this.#result;
    // Accounts, not account runs: watch runs an account once per change (issue #15: "accounts 25" for 5).
    this.#accountsRun.add(r.accountId);
    t.accounts = this.#accountsRun.size;
    t.itemsNew += r.itemsNew;
    t.itemsChanged += r.itemsChanged;
    t.itemsDeleted += r.itemsDeleted;
    t.bytesDownloaded += r.bytesDownloaded;
    t.bytesStored += r.bytesStored;
    for (const f of r.failures) t.failures.push({ accountId: r.accountId, itemId: f.id, error: f.error });
  }

  /** Lists accounts on the server, updates the index, and marks vanished ones deleted. */
  async #refreshAccounts(signal: AbortSignal | undefined): Promise<DirectoryObject[]> {
    this.#opts.onProgress?.({ phase: 'accounts' });
    const now = (this.#opts.now ?? Date.now)();
    const listed: DirectoryObject[] = [];
    for await (const a of this.#opts.client.accounts(signal ? { signal } : {})) {
      // DESIGN invariant 5: an id that cannot name accounts/<id>/ is refused here, before it
      // reaches the account index (where it would fail every later run in #markDeleted).
      try {
        safeZimbraId(a.id);
      } catch (err) {
        const e = err as ZimbraBackupError;
        this.#log.error({ accountId: String(a.id).slice(0, 80), code: e.code }, 'account skipped: unsafe zimbraId');
        this.#result.failures.push({ accountId: String(a.id).slice(0, 80), error: `${e.code}: ${e.message}` });
        continue;
      }
      listed.push(a);
    }
    const filter = this.#opts.accounts?.map((s) => s.toLowerCase());
    const sel = this.#opts.selection;
    const selected = (
      filter
        ? listed.filter((a) => filter.includes(a.id.toLowerCase()) || filter.includes(a.name.toLowerCase()))
        : listed
    ).filter((a) => inSelection(sel, a.id, mailHostOf(a.attrs)));
    if (filter) {
      const missing = filter.filter((f) => !listed.some((a) => a.id.toLowerCase() === f || a.name.toLowerCase() === f));
      for (const name of missing) {
        if (this.#reportedMissing.has(name)) continue;
        this.#reportedMissing.add(name);
        this.#log.warn({ account: name }, 'selected account not on the server; backing up the others');
        this.#result.failures.push({ accountId: name, error: `ZB_NOT_FOUND: no such account on the server: ${name}` });
      }
    }
    const byId = new Map(this.#index.map((e) => [e.id, e]));
    for (const a of selected) {
      const e = byId.get(a.id);
      if (e) {
        e.name = a.name;
        e.lastSeenMs = now;
        delete e.deletedMs;
      } else {
        const entry: AccountIndexEntry = { id: a.id, name: a.name, firstSeenMs: now, lastSeenMs: now };
        this.#index.push(entry);
        byId.set(a.id, entry);
      }
    }
    this.#indexDirty = true;
    if (!filter) await this.#markDeleted(new Set(listed.map((a) => a.id)), now, signal);
    // Readers (status, ls, restores) find accounts through the index: write it before the first
    // commit of a new account, so what is committed is visible at once, even if the run stops.
    await this.#saveIndex(signal);
    return selected;
  }

  async #markDeleted(live: Set<string>, now: number, signal: AbortSignal | undefined): Promise<void> {
    for (const e of this.#index) {
      if (live.has(e.id) || e.deletedMs !== undefined) continue;
      // Another engine's account is never ours to mark deleted: the shard is a function of the id,
      // the server is the last zimbraMailHost this repository recorded for it.
      if (!(await this.#ownsVanished(e.id))) continue;
      if (this.#held && !(await this.#lease(this.#held, e.id))) continue;
      const journal = await this.#journal(e.id);
      await journal.commit([{ type: 'account-deleted' }], {
        state: journal.lastState() ?? null,
        ...(signal ? { signal } : {}),
      });
      e.deletedMs = now;
      this.#result.accountsDeleted++;
    }
  }

  /** True when an account the server no longer lists belongs to this engine's selection. */
  async #ownsVanished(id: string): Promise<boolean> {
    const sel = this.#opts.selection;
    if (!isPartial(sel)) return true;
    if (!inSelection({ ...(sel?.shard ? { shard: sel.shard } : {}) }, id, undefined)) return false;
    if (!sel?.mailServers) return true;
    const journal = await this.#journal(id);
    const owned = inSelection(sel, id, mailHostOf(journal.current().account?.attrs));
    if (!owned) {
      this.#journals.delete(id);
      await journal.close();
    }
    return owned;
  }

  async #saveIndex(signal?: AbortSignal): Promise<void> {
    if (!this.#indexDirty) return;
    // Under a shared lock other engines update the index too: each writes its own file only.
    if (this.#held?.mode === 'shared')
      await writeEngineAccountIndex(this.#opts.repository.backend, this.#engineName(this.#mode), this.#index, signal);
    else await this.#opts.repository.writeAccounts(this.#index, signal);
    this.#indexDirty = false;
  }
}

/**
 * The cursor state after a move: no token (a full listing of the new mailbox), sequences not
 * comparable until that listing completes (`moved`), the retry list kept.
 */
function withoutToken(state: CursorState | undefined): CursorState {
  return { ...(state?.retry?.length ? { retry: state.retry } : {}), moved: true };
}

function emptyResult(): BackupResult {
  return {
    accounts: 0,
    itemsNew: 0,
    itemsChanged: 0,
    itemsDeleted: 0,
    bytesDownloaded: 0,
    bytesStored: 0,
    durationMs: 0,
    accountsDeleted: 0,
    failures: [],
  };
}
