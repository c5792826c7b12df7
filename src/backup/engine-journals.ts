/**
 * The journals an engine holds open while it runs, one per account, and the journal leases it
 * holds under a shared lock (repository/lease.ts; docs/FORMAT.md "Several engines").
 *
 * ```text
 * lease(id)     shared lock: take the lease, or remember the refusal (since when): the account
 *               is retried at the next directory refresh and reported as lagging meanwhile
 * release(id)   the account left this engine's part (moved to a server outside --mail-servers):
 *               its cached journal is closed and its lease deleted, so the engine of its new
 *               server can take it over
 * releaseLeases when the engine stops (a lease dies with its lock anyway)
 * ```
 * Journals are opened lazily on first use (`acquire`) and counted while in use; once no run or
 * commit uses one (`done`), it stays open only while it is among the `keepIdle()` most recently
 * used idle journals and has not read the whole state of a large journal (issue 12: watch memory must not grow with
 * the items of every account that ever changed; a journal that read its whole state holds about
 * 1 KB per item). A journal in use is never closed; an evicted one is closed before the account's
 * journal is opened again, and the reopened one reads everything committed from the repository.
 * Leases are independent of the cache: evicting a journal keeps the account's lease.
 *
 * Only the account's own run (the scheduler runs one job per account at a time) takes or gives up
 * its lease, so a lease is never given up while that account is being committed. Failure modes: a
 * journal that failed to open is retried once it is evicted (or the cache is closed); a lease that
 * cannot be released dies with the lock.
 * @module
 */
import type { Logger } from '../internal/logger.js';
import type { Journal } from '../journal/journal.js';
import { acquireLease, releaseLease } from '../repository/lease.js';
import type { RepositoryLock } from '../repository/lock.js';
import type { Repository } from '../repository/repository.js';

/**
 * Idle journals that read their whole state are kept only up to this many live items (about
 * 1 KB of heap each): the journal's default first checkpoint threshold, below which every open
 * reads the whole journal anyway.
 */
const KEEP_LOADED_ITEMS = 2000;

/** The per-account journals and leases of one engine. */
export class EngineJournals {
  readonly #repository: Repository;
  readonly #log: Logger;
  /** Open (or opening) journals, least recently used first. */
  readonly #journals = new Map<string, Promise<Journal>>();
  /** Runs and commits using each account's journal now (absent: idle). */
  readonly #users = new Map<string, number>();
  /** Journals being closed: the account's next open waits for it (one writer per journal at a time). */
  readonly #closing = new Map<string, Promise<void>>();
  /** Accounts whose journal this engine opened since the cache was last closed (quick-check.ts). */
  readonly #warm = new Set<string>();
  readonly #keepIdle: () => number;
  readonly #now: () => number;
  /** Accounts whose journal lease this engine holds (shared lock only). */
  readonly #leases = new Set<string>();
  /** Accounts whose lease another live engine holds, with the time of the first refusal. */
  readonly #refused = new Map<string, number>();

  readonly #held: () => RepositoryLock | undefined;

  /**
   * `held` is the engine's lock while it runs: every commit checks it is still held. `keepIdle`
   * is how many idle journals stay open (0: each is closed as soon as nothing uses it).
   */
  constructor(
    repository: Repository,
    log: Logger,
    now: () => number = Date.now,
    held: () => RepositoryLock | undefined = () => undefined,
    keepIdle: () => number = () => Infinity,
  ) {
    this.#repository = repository;
    this.#log = log;
    this.#now = now;
    this.#held = held;
    this.#keepIdle = keepIdle;
  }

  /** True when this engine holds the account's lease (always false under an exclusive lock). */
  holds(id: string): boolean {
    return this.#leases.has(id);
  }

  /** Accounts waiting for another engine to give their lease up, with since when (ms since the epoch). */
  waiting(): ReadonlyMap<string, number> {
    return this.#refused;
  }

  /** Forgets a refusal (the account is no longer this engine's). */
  forgetRefusal(id: string): void {
    this.#refused.delete(id);
  }

  /**
   * The account's writable journal, opened on first use and cached; it is in use until the
   * matching {@link EngineJournals.done} (never closed meanwhile, except by `release`/`closeAll`).
   */
  async acquire(id: string): Promise<Journal> {
    this.#users.set(id, (this.#users.get(id) ?? 0) + 1);
    try {
      const pending = this.#closing.get(id);
      if (pending) await pending;
      let j = this.#journals.get(id);
      if (j) this.#journals.delete(id);
      else j = this.#open(id);
      // Most recently used last: eviction takes idle journals from the front.
      this.#journals.set(id, j);
      this.#warm.add(id);
      return await j;
    } catch (err) {
      this.#unuse(id);
      throw err;
    }
  }

  /** A run or commit is done with the journal `acquire` gave it: idle journals beyond the bound are closed. */
  async done(id: string, journal: Journal): Promise<void> {
    this.#unuse(id);
    // A journal that read its whole state (a full listing, a checkpoint) holds every item: closed
    // when idle, unless small (a journal below the first checkpoint, 2000 records, is read whole
    // on every open anyway); reopening reads only the checkpoint end and what follows it.
    const big = !journal.lazy && journal.stats().liveItems > KEEP_LOADED_ITEMS;
    if (big && !this.#users.has(id) && this.#journals.has(id)) await this.#evict(id);
    await this.#trim();
  }

  #unuse(id: string): void {
    const n = (this.#users.get(id) ?? 1) - 1;
    if (n > 0) this.#users.set(id, n);
    else this.#users.delete(id);
  }

  /** Closes the least recently used idle journals beyond `keepIdle()`. */
  async #trim(): Promise<void> {
    const keep = this.#keepIdle();
    const idle = [...this.#journals.keys()].filter((id) => !this.#users.has(id));
    const excess = idle.length - keep;
    if (excess > 0) await Promise.all(idle.slice(0, excess).map((id) => this.#evict(id)));
  }

  /** Closes an idle journal; the account's next `acquire` waits for the close, then reopens. */
  async #evict(id: string): Promise<void> {
    const cached = this.#journals.get(id);
    this.#journals.delete(id);
    const closing = (async () => (await cached?.catch(() => undefined))?.close())().finally(() => {
      if (this.#closing.get(id) === closing) this.#closing.delete(id);
    });
    this.#closing.set(id, closing);
    await closing;
  }

  #open(id: string): Promise<Journal> {
    // Before each commit: the blob store's open pack is flushed (every blob a commit names is
    // durable, format v2), then the lock is checked, so a lost lock (or one whose heartbeat is
    // too old: another engine may take the account over) stops the very next commit.
    return this.#repository.journal(id, {
      logger: this.#log,
      // Read the state as needed (issue 12): a delta touches a few items; a listing calls load().
      lazy: true,
      beforeCommit: async (signal) => {
        await this.#repository.blobs.flush(signal ? { signal } : {});
        this.#held()?.assertHeld();
      },
    });
  }

  /**
   * True when this engine opened the account's journal since the cache was last closed (a run of
   * it happened here: the no-change probe is skipped, as the account was found changing).
   */
  warm(id: string): boolean {
    return this.#warm.has(id);
  }

  /** Journals open (or opening) now, in use or idle (tests, status). */
  get openCount(): number {
    return this.#journals.size;
  }

  /** Closes and forgets one account's journal (`journal` is the one `acquire` returned; its use ends). */
  async forget(id: string, journal: Journal): Promise<void> {
    this.#unuse(id);
    this.#warm.delete(id);
    if (this.#users.has(id)) return;
    this.#journals.delete(id);
    await journal.close();
  }

  /** Closes every cached journal (so another writer may rewrite them); the next `acquire` reopens. */
  async closeAll(): Promise<void> {
    const open = [...this.#journals.values()];
    this.#journals.clear();
    this.#warm.clear();
    await Promise.all([...open.map(async (j) => (await j.catch(() => undefined))?.close()), ...this.#closing.values()]);
  }

  /**
   * Under a shared lock, the account's journal lease (lease.ts): false when another live engine
   * writes this account (it is skipped, the refusal remembered; see {@link EngineJournals.waiting}).
   * Under an exclusive lock, always true.
   */
  async lease(lock: RepositoryLock, id: string): Promise<boolean> {
    if (lock.mode !== 'shared' || this.#leases.has(id)) return true;
    if (!(await acquireLease(this.#repository.backend, id, lock.id))) {
      if (!this.#refused.has(id)) {
        this.#refused.set(id, this.#now());
        this.#log.warn({ accountId: id }, 'another engine holds this account; retried at the next directory refresh');
      }
      return false;
    }
    const waited = this.#refused.get(id);
    this.#refused.delete(id);
    if (waited !== undefined)
      this.#log.info({ accountId: id, waitedMs: this.#now() - waited }, 'account lease taken over');
    this.#leases.add(id);
    return true;
  }

  /**
   * Gives the account up (it left this engine's part): its cached journal is closed, since
   * another engine may write it from now on, and its lease deleted. Idempotent.
   */
  async release(lock: RepositoryLock, id: string): Promise<void> {
    this.#refused.delete(id);
    if (!this.#leases.has(id)) return;
    const cached = this.#journals.get(id);
    this.#journals.delete(id);
    this.#warm.delete(id);
    await (await cached?.catch(() => undefined))?.close();
    await this.#closing.get(id);
    await releaseLease(this.#repository.backend, id, lock.id);
    this.#leases.delete(id);
  }

  /** Releases every lease taken under `lockId` (a failure is logged: the lease dies with the lock). */
  async releaseLeases(lockId: string): Promise<void> {
    for (const id of this.#leases)
      await releaseLease(this.#repository.backend, id, lockId).catch((err: unknown) =>
        this.#log.warn({ accountId: id, err: String(err) }, 'lease not released (it dies with the lock)'),
      );
    this.#leases.clear();
    this.#refused.clear();
  }
}
