/**
 * Repository maintenance: the coherency check (with repair) and the purge by retention with safe
 * garbage collection (DESIGN.md section 1, `CoherencyCheck`, `Purge`; docs/maintenance.md).
 *
 * ```text
 * check:  read every journal read-only (all records) -> digest -> {account -> item ids, sizes}
 *         quick: BlobStore.stat each (exists, header size = recorded size, raw length if uncompressed)
 *         full:  BlobStore.get each, re-hashing to the end; then list blobs for unreferenced ones
 *         repair (writer lock): quarantine damaged blobs, add `refetch` retry entries to the cursor
 *         state of accounts whose current items reference them; the next backup downloads again
 * purge:  lock -> open all journals (damage: stop) -> compact each with the retention rule
 *         -> remove expired deleted accounts -> mark (re-read journals) -> re-check -> sweep blobs
 * ```
 * Failure modes: a damaged journal makes check report `journal-corrupt` and purge refuse to run;
 * purge interrupted at any point leaves a consistent repository (blobs are deleted last, only
 * when unreferenced); both need the writer lock only to write (`ZB_LOCK_HELD` while a backup runs).
 * @module
 */
export { checkRepository, verifyBlob, type CheckOptions, type CheckResult } from './check.js';
export type { BlobReference } from './references.js';
export { MIN_RETENTION_MS, purgeRepository, type PurgeOptions, type PurgeResult } from './purge.js';
export { quarantine } from './repair.js';
export { retentionRule, type RetentionVerdict } from './retention.js';
export type {
  AffectedAccount,
  CheckProblem,
  CheckProblemKind,
  CheckProgress,
  CheckSeverity,
  ProblemRepair,
  PurgeProgress,
} from './types.js';
