/**
 * zimbra-backup: continuous, deduplicated, point-in-time backup for Zimbra Collaboration
 * (open source edition).
 *
 * This entry point exports the primitives an embedding program needs, by name: the client, the
 * sync cursor and real-time scanners, the repository and its stores and backends, the journal,
 * the backup engine, the read side, restore, export/import, check/purge/migrate, the errors, and
 * the types their signatures use. The list is pinned by test/unit/public-api.test.ts: growing it
 * is a decision.
 *
 * Other entry points: `zimbra-backup/soap` (the SOAP wire toolkit: element readers, request
 * definitions, transports), `zimbra-backup/s3` (the S3 backend), `zimbra-backup/emulator` (the
 * bundled Zimbra emulator), `zimbra-backup/console` (the web console) and
 * `zimbra-backup/testing` (test helpers).
 * @packageDocumentation
 */

// Errors and shared utilities.
export {
  ZimbraBackupError,
  isRetryable,
  isZimbraBackupError,
  throwIfAborted,
  type ErrorCode,
  type ZimbraBackupErrorOptions,
} from './errors.js';
export { Secret, toSecret } from './internal/secret.js';
export type { Logger } from './internal/logger.js';
export type { ProgressEvent } from './internal/progress.js';

// The Zimbra client (the wire toolkit is `zimbra-backup/soap`).
export {
  ZimbraClient,
  SoapConnection,
  SoapFaultError,
  MustResyncError,
  AuthExpiredError,
  NoSuchItemError,
  NoSuchWaitSetError,
  AccountInactiveError,
  QualifiedIdMismatchError,
  HttpStatusError,
  proxyFromEnv,
  type ListAccountsOptions,
  type ZimbraClientOptions,
  type SendOptions,
  type AuthInfo,
  type RestTarget,
  type TlsOptions,
  type ProxyOptions,
  type RetryPolicy,
  type BackoffOptions,
  type AccountSelector,
} from './soap/index.js';

// REST downloads and uploads.
export {
  downloadItem,
  uploadFile,
  exportTgz,
  type DownloadItemOptions,
  type DownloadItemResult,
  type UploadFileOptions,
  type ExportTgzOptions,
  type ItemHeaders,
} from './rest/index.js';

// Storage: backends, blob store, pack store.
export {
  LocalBackend,
  MemoryBackend,
  RetryBackend,
  BlobStore,
  PackStore,
  RepositoryCipher,
  DEFAULT_PACK_LAYOUT,
  digestOf,
  isDigest,
  parseDigest,
  type StorageBackend,
  type BackendProperties,
  type IoOptions,
  type BackendPutOptions,
  type ObjectInfo,
  type ReplayableBody,
  type LocalBackendOptions,
  type MemoryBackendOptions,
  type RetryBackendOptions,
  type BlobSource,
  type BlobStat,
  type BlobStoreOptions,
  type BlobStoreStats,
  type PutOptions,
  type PutResult,
  type PackLayout,
  type IndexTable,
  type BlobLocation,
  type BlobKeyLayout,
  type PackStoreOptions,
  type Compression,
  type Digest,
} from './store/index.js';

// The repository: open or create, per-account access, locks, encryption keys.
export {
  Repository,
  initRepository,
  openRepository,
  openOrInitRepository,
  RepositoryLock,
  acquireLock,
  readLocks,
  breakLock,
  FORMAT_VERSION,
  type AccountJournalOptions,
  type AddKeyOptions,
  type DirectoryDumpObject,
  type InitRepositoryOptions,
  type OpenRepositoryOptions,
  type RepositoryEncryptionOptions,
  type RepositoryConfig,
  type RepositoryEncryption,
  type AccountIndexEntry,
  type CursorState,
  type KeySlotInfo,
  type ScryptParams,
  type LockInfo,
  type LockMode,
  type LockOptions,
  type BreakLockOptions,
} from './repository/index.js';

// The journal: an account's item history.
export {
  Journal,
  ITEM_KINDS,
  type AccountDeletedRecord,
  type AccountRecord,
  type CommitOptions,
  type CommitResult,
  type CompactOptions,
  type CompactResult,
  type DeleteRecord,
  type DeletedItem,
  type FolderEntry,
  type ItemKind,
  type ItemRecord,
  type JournalOptions,
  type JournalRecord,
  type JournalRecordInput,
  type JournalStats,
  type JsonValue,
  type MailboxState,
  type RecordTimes,
  type RecoveredObject,
  type ResyncRecord,
} from './journal/index.js';

// The directory: dump (LDAP or SOAP), read back, restore/provision.
export {
  captureDirectory,
  dumpDirectory,
  readDirectoryDump,
  restoreDirectory,
  LdapError,
  DEFAULT_OPERATIONAL_ATTRIBUTES,
  classifyEntry,
  parseLdif,
  type DirectorySnapshotResult,
  type LdifRecord,
  type ParseLdifOptions,
  type CaptureDirectoryOptions,
  type DirectoryCapture,
  type LdapDirectoryCapture,
  type SoapDirectoryCapture,
  type DirectoryDumpOptions,
  type DirectoryDumpResult,
  type DirectoryDumpSummary,
  type DirectoryEntry,
  type DirectoryEntryKind,
  type DirectoryValue,
  type RestoreDirectoryOptions,
  type RestoreDirectoryResult,
  type DirectoryObjectKind,
  type DirectoryObjectOutcome,
  type ProvisionClaims,
  type ProvisionKind,
  type ProvisionOutcome,
} from './directory/index.js';

// Change capture: the sync cursor, one server's real-time scanner, the fleet of them.
export {
  SyncCursor,
  RealTimeScanner,
  ScannerFleet,
  DEFAULT_MAX_EXPLICIT_ACCOUNTS,
  DeafDetector,
  type DeafDetectorOptions,
  type SyncCursorOptions,
  type ChangeBatch,
  type DeletedRef,
  type ItemRef,
  type ReceivedPage,
  type DeltaRequest,
  type RealTimeScannerOptions,
  type RealTimeScannerStats,
  type ScannerFleetOptions,
  type ServerCaptureStatus,
  type FleetAccount,
  type WatchedAccount,
  type DeafState,
} from './sync/index.js';

// The backup engine.
export {
  BackupEngine,
  shardOf,
  type BackupEngineOptions,
  type BackupResult,
  type EngineStatus,
  type BackupProgress,
  type AccountRunResult,
  type AccountSelection,
  type CaptureStatus,
  type AccountLag,
  type ServerCaptureState,
} from './backup/index.js';

// The read side: list, versions, history, timeline, status, previews.
export {
  listItems,
  itemVersion,
  openItemContent,
  itemHistory,
  accountCoverage,
  accountTimeline,
  repositoryStatus,
  messagePreview,
  messageAttachment,
  type ListItemsOptions,
  type ListedItem,
  type ItemVersionOptions,
  type ItemVersionResult,
  type ItemHistory,
  type ItemHistoryOptions,
  type AccountCoverage,
  type AccountTimeline,
  type AccountTimelineOptions,
  type TimelineBucket,
  type TimelineBucketSize,
  type RepositoryStatus,
  type AccountStatus,
  type ServerStatus,
  type MessagePreview,
  type PreviewAttachment,
} from './catalog/index.js';

// Restore and undelete.
export {
  restoreAccount,
  restoreItems,
  undelete,
  RESTORE_ITEM_KINDS,
  type PlannedEntry,
  type PlannedFolder,
  type PlannedItem,
  type RestoreAccountOptions,
  type RestoreAccountResult,
  type RestoreTargetKind,
  type RestoreItemsOptions,
  type UndeleteOptions,
  type UndeleteResult,
  type RestoreFailure,
  type RestoreItemKind,
  type RestoreKindCounts,
  type RestoreOperationOptions,
  type RestoreProgress,
  type RestoreResult,
  type RestoreWriteResult,
} from './restore/index.js';

// Maintenance: check, purge, migrate.
export {
  checkRepository,
  verifyBlob,
  purgeRepository,
  MIN_RETENTION_MS,
  type CheckOptions,
  type CheckResult,
  type CheckProblem,
  type CheckProblemKind,
  type CheckProgress,
  type CheckSeverity,
  type ProblemRepair,
  type AffectedAccount,
  type BlobReference,
  type PurgeOptions,
  type PurgeResult,
  type PurgeProgress,
} from './maintenance/index.js';
export { migrateRepository, type MigrateOptions, type MigrateResult } from './maintenance/migrate.js';

// Export to a portable archive, import from one or from a repository.
export {
  exportArchive,
  encryptArchiveStream,
  decryptArchiveStream,
  ARCHIVE_FORMAT_NAME,
  ARCHIVE_FORMAT_VERSION,
  type ExportArchiveOptions,
  type ExportArchiveResult,
  type ExportProgress,
  type ArchiveEncryptionOptions,
  type ArchiveManifest,
  type ManifestAccount,
  type ManifestMember,
  type ItemCounts,
  type RepositoryReader,
} from './export/index.js';
export {
  importArchive,
  importRepository,
  readArchiveManifest,
  type StagedArchive,
  type ImportArchiveOptions,
  type ImportArchiveResult,
  type ImportRepositoryOptions,
  type ImportOptions,
  type ImportProgress,
  type ImportResult,
  type ImportAccountResult,
} from './import/index.js';
