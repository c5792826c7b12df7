/**
 * The backup repository: FORMAT check, path layout, id validation and the writer lock
 * (DESIGN.md section 2; docs/FORMAT.md).
 *
 * ```
 * repo = initRepository({ backend, compression })   // empty location only
 * repo = openRepository({ backend })                // FORMAT checked: version 1 only
 * repo = openOrInitRepository({ backend })          // either: what an embedder calls on every start
 * lock = repo.lock({ owner })                       // writers only; readers never lock
 * try { repo.blobs.put(...); journal commit ... } finally { lock.release() }
 * ```
 * Failure modes: ZB_NOT_A_REPOSITORY (no FORMAT), ZB_FORMAT_UNSUPPORTED (newer version),
 * ZB_REPOSITORY_CORRUPT (bad FORMAT), ZB_LOCK_HELD (another writer), ZB_LOCK_LOST (lock broken
 * while writing), ZB_UNSAFE_PATH (hostile id).
 * @module
 */
export {
  Repository,
  initRepository,
  openRepository,
  type InitRepositoryOptions,
  type OpenRepositoryOptions,
} from './repository.js';
export { openOrInitRepository } from './open-or-init.js';
export {
  RepositoryLock,
  acquireLock,
  breakLock,
  readLocks,
  type BreakLockOptions,
  type LockInfo,
  type LockOptions,
} from './lock.js';
export { FORMAT_NAME, FORMAT_VERSION, decodeFormat, encodeFormat, type RepositoryConfig } from './format.js';
export * as layout from './layout.js';
