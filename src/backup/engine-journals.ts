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
 * Journals are opened on first use and cached for the run: an account that runs again in watch
 * mode reuses its open journal. Only the account's own run (the scheduler runs one job per
 * account at a time) takes or gives up its lease, so a lease is never given up while that
 * account is being committed. Failure modes: a journal that failed to open is not retried until
 * the cache is closed (`closeAll`); a lease that cannot be released dies with the lock.
 * @module
 */
import type { Logger } from '../internal/logger.js';
import type { Journal } from '../journal/journal.js';
import { acquireLease, releaseLease } from '../repository/lease.js';
import type { RepositoryLock } from '../repository/lock.js';
import type { Repository } from '../repository/repository.js';

/** The per-account journals and leases of one engine. */
export class EngineJournals {
  readonly #repository: Repository;
  readonly #log: Logger;
  readonly #journals = new Map<string, Promise<Journal>>();
  readonly #now: () => number;
  /** Accounts whose journal lease this engine holds (shared lock only). */
  readonly #leases = new Set<string>();
  /** Accounts whose lease another live engine holds, with the time of the first refusal. */
  readonly #refused = new Map<string, number>();

  readonly #held: () => RepositoryLock | undefined;

  /** `held` is the engine's lock while it runs: every commit checks it is still held. */
  constructor(
    repository: Repository,
    log: Logger,
    now: () => number = Date.now,
    held: () => RepositoryLock | undefined = () => undefined,
  ) {
    this.#repository = repository;
    this.#log = log;
    this.#now = now;
    this.#held = held;
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

  /** The account's writable journal, opened once and cached. */
  get(id: string): Promise<Journal> {
    let j = this.#journals.get(id);
    if (!j) {
      // Before each commit: the blob store's open pack is flushed (every blob a commit names is
      // durable, format v2), then the lock is checked, so a lost lock (or one whose heartbeat is
      // too old: another engine may take the account over) stops the very next commit.
      j = this.#repository.journal(id, {
        logger: this.#log,
        // Read the state as needed (issue 12): a delta touches a few items; a listing calls load().
        lazy: true,
        beforeCommit: async (signal) => {
          await this.#repository.blobs.flush(signal ? { signal } : {});
          this.#held()?.assertHeld();
        },
      });
      this.#journals.set(id, j);
    }
    return j;
  }

  /** True when the account's journal is open (or opening) in this engine. */
  isOpen(id: string): boolean {
    return this.#journals.has(id);
  }

  /** Closes and forgets one account's journal (`journal` is the one `get` returned). */
  async forget(id: string, journal: Journal): Promise<void> {
    this.#journals.delete(id);
    await journal.close();
  }

  /** Closes every cached journal (so another writer may rewrite them); the next `get` reopens. */
  async closeAll(): Promise<void> {
    const open = [...this.#journals.values()];
    this.#journals.clear();
    await Promise.all(open.map(async (j) => (await j.catch(() => undefined))?.close()));
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
    await (await cached?.catch(() => undefined))?.close();
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
