/**
 * The journals an engine holds open while it runs, one per account, and the journal leases it
 * holds under a shared lock (repository/lease.ts).
 *
 * Journals are opened on first use and cached for the run: an account that runs again in watch
 * mode reuses its open journal. Failure modes: a journal that failed to open is not retried until
 * the cache is closed (`closeAll`); a lease another live engine holds makes `lease` false (the
 * account is skipped with a warning); a lease that cannot be released dies with the lock.
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
  /** Accounts whose journal lease this engine holds (shared lock only). */
  readonly #leases = new Set<string>();

  constructor(repository: Repository, log: Logger) {
    this.#repository = repository;
    this.#log = log;
  }

  /** The account's writable journal, opened once and cached. */
  get(id: string): Promise<Journal> {
    let j = this.#journals.get(id);
    if (!j) {
      // A writable repo.journal flushes the blob store's open pack before each commit (format v2).
      j = this.#repository.journal(id, { logger: this.#log });
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
   * writes this account (it is skipped with a warning). Under an exclusive lock, always true.
   */
  async lease(lock: RepositoryLock, id: string): Promise<boolean> {
    if (lock.mode !== 'shared' || this.#leases.has(id)) return true;
    if (!(await acquireLease(this.#repository.backend, id, lock.id))) {
      this.#log.warn({ accountId: id }, 'another engine holds this account; skipped');
      return false;
    }
    this.#leases.add(id);
    return true;
  }

  /** Releases every lease taken under `lockId` (a failure is logged: the lease dies with the lock). */
  async releaseLeases(lockId: string): Promise<void> {
    for (const id of this.#leases)
      await releaseLease(this.#repository.backend, id, lockId).catch((err: unknown) =>
        this.#log.warn({ accountId: id, err: String(err) }, 'lease not released (it dies with the lock)'),
      );
    this.#leases.clear();
  }
}
