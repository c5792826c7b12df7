/**
 * The per-account journal leases one engine holds while it shares a repository with other
 * engines (shared lock; repository/lease.ts, docs/FORMAT.md "Several engines").
 *
 * ```text
 * acquire(id)   shared lock: take the lease, or remember the refusal (since when) so the
 *               account is retried at the next directory refresh and reported as lagging
 * release(id)   the account left this engine's part (moved to a server outside --mail-servers):
 *               the lease object is deleted so the engine of its new server can take it
 * releaseAll()  when the engine stops (a lease dies with its lock anyway)
 * ```
 * Exclusive locks need no lease: `acquire` is always true. Only the account's own run (the
 * scheduler runs one job per account at a time) acquires or releases its lease, so a lease is
 * never given up while that account is being committed.
 * @module
 */
import type { Logger } from '../internal/logger.js';
import { acquireLease, releaseLease } from '../repository/lease.js';
import type { RepositoryLock } from '../repository/lock.js';
import type { StorageBackend } from '../store/backends/backend.js';

/** The leases of one running engine. */
export class EngineLeases {
  readonly #backend: StorageBackend;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #held = new Set<string>();
  /** Accounts whose lease another live engine holds, with the time of the first refusal. */
  readonly #refused = new Map<string, number>();

  constructor(backend: StorageBackend, log: Logger, now: () => number) {
    this.#backend = backend;
    this.#log = log;
    this.#now = now;
  }

  /** True when this engine holds the account's lease (always false under an exclusive lock). */
  holds(id: string): boolean {
    return this.#held.has(id);
  }

  /** Accounts waiting for another engine to give their lease up, with since when (ms since the epoch). */
  waiting(): ReadonlyMap<string, number> {
    return this.#refused;
  }

  /**
   * Under a shared lock, takes the account's lease: false when another live engine holds it (the
   * refusal is remembered; see {@link EngineLeases.waiting}). Under an exclusive lock, true.
   */
  async acquire(lock: RepositoryLock, id: string): Promise<boolean> {
    if (lock.mode !== 'shared' || this.#held.has(id)) return true;
    if (!(await acquireLease(this.#backend, id, lock.id))) {
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
    this.#held.add(id);
    return true;
  }

  /** Gives the account's lease up (the account left this engine's part); idempotent. */
  async release(lock: RepositoryLock, id: string): Promise<void> {
    this.#refused.delete(id);
    if (!this.#held.has(id)) return;
    await releaseLease(this.#backend, id, lock.id);
    this.#held.delete(id);
  }

  /** Forgets a refusal (the account is no longer this engine's). */
  forget(id: string): void {
    this.#refused.delete(id);
  }

  /** Gives every lease up (engine stopping); failures are logged: the leases die with the lock. */
  async releaseAll(lock: RepositoryLock): Promise<void> {
    for (const id of this.#held)
      await releaseLease(this.#backend, id, lock.id).catch((err: unknown) =>
        this.#log.warn({ accountId: id, err: String(err) }, 'lease not released (it dies with the lock)'),
      );
    this.#held.clear();
    this.#refused.clear();
  }
}
