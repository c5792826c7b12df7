/**
 * The backup repository: FORMAT check, path layout, id validation, the writer lock, and
 * per-account access: the account catalog (`repo.accounts()`), each account's journal
 * (`repo.journal(id, { readOnly })`), directory dumps and restore bookkeeping (DESIGN.md section 2;
 * docs/FORMAT.md). Every other module reaches an account's data through it.
 *
 * ```
 * repo = initRepository({ backend, compression })   // empty location only
 * repo = openRepository({ backend })                // FORMAT checked: version 1 only
 * repo = openOrInitRepository({ backend })          // either: what an embedder calls on every start
 * lock = repo.lock({ owner })                       // writers only; readers never lock
 * try { repo.blobs.put(...); (await repo.journal(id)).commit(...) } finally { lock.release() }
 * repo.accounts() / repo.findAccount(nameOrId)      // the account index (readers too)
 * repo.journal(id, { readOnly: true })              // readers: never lock
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
  type AccountJournalOptions,
  type DirectoryDumpObject,
  type InitRepositoryOptions,
  type OpenRepositoryOptions,
  type AddKeyOptions,
  type RepositoryEncryptionOptions,
} from './repository.js';
export {
  DEFAULT_SCRYPT,
  KEYS_PREFIX,
  addKeySlot,
  listKeySlots,
  removeKeySlot,
  unlockMasterKey,
  type KeySlotInfo,
  type ScryptParams,
} from './keys/key-slots.js';
export { openOrInitRepository } from './open-or-init.js';
export {
  RepositoryLock,
  acquireLock,
  breakLock,
  readLocks,
  type BreakLockOptions,
  type LockInfo,
  type LockOptions,
  type LockMode,
} from './lock.js';
export { acquireLease, releaseLease, leaseKey, type LeaseOptions } from './lease.js';
export {
  FORMAT_NAME,
  FORMAT_VERSION,
  ENCRYPTION_V1,
  decodeFormat,
  encodeFormat,
  type RepositoryConfig,
  type RepositoryEncryption,
} from './format.js';
export * as layout from './layout.js';
export { readAccountIndex, writeAccountIndex, findAccount, type AccountIndexEntry } from './account-index.js';
export { cursorStateOf, type CursorState } from './cursor-state.js';
