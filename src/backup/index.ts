/**
 * The backup orchestrator and its parts.
 *
 * ```text
 * BackupEngine.run():   lock -> list accounts -> per account (AccountScheduler, bounded):
 *                       attributes -> backupAccount(): SyncCursor batches -> metadata in bulk ->
 *                       REST content -> BlobStore.put (hash while streaming, dedup) -> Journal.commit(records, {token})
 * BackupEngine.watch(): run, then RealTimeScanner signals -> scheduler (one pending run per account)
 * ```
 * Failure modes: an item that vanished is a deletion, not an error; an item that keeps failing
 * is retried on later runs (kept in the cursor state) and reported; `mail.MUST_RESYNC` triggers a
 * full listing reconciled against the journal; a crash repeats at most the last uncommitted slice.
 * @module
 */
export { BackupEngine, type BackupEngineOptions, type BackupResult, type EngineStatus } from './backup-engine.js';
export { shardOf, parseShard, inSelection, type AccountSelection } from './selection.js';
export { backupAccount, type AccountBackupOptions, type AccountRunResult } from './account-backup.js';
export { AccountScheduler, type AccountSchedulerOptions, type SchedulerStats } from './scheduler.js';
export type { BackupProgress } from './progress.js';
export {
  accountLag,
  captureStatusKey,
  readCaptureStatuses,
  writeCaptureStatus,
  CAPTURE_STATUS_PREFIX,
  type AccountLag,
  type CaptureStatus,
  type ServerCaptureState,
} from './capture-status.js';
export type { FetchContext, StoredContent } from './item-fetch.js';
