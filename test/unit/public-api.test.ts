/**
 * The public API of every subpath of package.json `exports`, pinned by name (issue #14): adding
 * or removing an export fails here until the list below is changed with it, so growth is a
 * decision. Names are those a TypeScript user can import (values and types), read with the
 * compiler from the subpath's source entry (`./dist/x.js` is built from `src/x.ts`).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** Sorted export names per subpath, whitespace-separated. */
const PINNED: Record<string, string> = {
  // 264 names
  '.': `
    ARCHIVE_FORMAT_NAME ARCHIVE_FORMAT_VERSION AccountCoverage AccountDeletedRecord AccountInactiveError
    AccountIndexEntry AccountJournalOptions AccountLag AccountRecord AccountRunResult AccountSelection
    AccountSelector AccountStatus AccountTimeline AccountTimelineOptions AddKeyOptions AffectedAccount
    ArchiveEncryptionOptions ArchiveManifest AuthExpiredError AuthInfo BackendProperties BackendPutOptions BackoffOptions
    BackupEngine BackupEngineOptions BackupProgress BackupResult BlobKeyLayout BlobLocation BlobReference
    BlobSource BlobStat BlobStore BlobStoreOptions BlobStoreStats BreakLockOptions CaptureDirectoryOptions
    CaptureStatus ChangeBatch CheckOptions CheckProblem CheckProblemKind CheckProgress CheckResult CheckSeverity
    CommitOptions CommitResult CompactOptions CompactResult Compression CursorState DEFAULT_MAX_EXPLICIT_ACCOUNTS
    DEFAULT_OPERATIONAL_ATTRIBUTES DEFAULT_PACK_LAYOUT DeafDetector DeafDetectorOptions DeafState DeleteRecord
    DeletedItem DeletedRef DeltaRequest Digest DirectoryCapture DirectoryDumpObject DirectoryDumpOptions DirectoryDumpResult
    DirectoryDumpSummary DirectoryEntry DirectoryEntryKind DirectoryObjectKind DirectoryObjectOutcome
    DirectorySnapshotResult DirectoryValue DownloadItemOptions DownloadItemResult EngineStatus ErrorCode
    ExportArchiveOptions ExportArchiveResult ExportProgress ExportTgzOptions FORMAT_VERSION FleetAccount
    FolderEntry HttpStatusError ITEM_KINDS ImportAccountResult ImportArchiveOptions ImportArchiveResult
    ImportOptions ImportProgress ImportRepositoryOptions ImportResult IndexTable InitRepositoryOptions IoOptions
    ItemCounts ItemHeaders ItemHistory ItemHistoryOptions ItemKind ItemRecord ItemRef ItemVersionOptions
    ItemVersionResult Journal JournalOptions JournalRecord JournalRecordInput JournalStats JsonValue KeySlotInfo
    LdapDirectoryCapture LdapError LdifRecord ListAccountsOptions ListItemsOptions ListedItem LocalBackend
    LocalBackendOptions LockInfo LockMode LockOptions Logger MIN_RETENTION_MS MailboxState ManifestAccount
    ManifestMember MemoryBackend MemoryBackendOptions MessagePreview MigrateOptions MigrateResult MustResyncError
    NoSuchItemError NoSuchWaitSetError ObjectInfo OpenRepositoryOptions PackLayout PackStore PackStoreOptions
    ParseLdifOptions PlannedEntry PlannedFolder PlannedItem PreviewAttachment ProblemRepair ProgressEvent ProvisionClaims
    ProvisionKind ProvisionOutcome ProxyOptions PurgeOptions PurgeProgress PurgeResult PutOptions PutResult
    QualifiedIdMismatchError RESTORE_ITEM_KINDS RealTimeScanner RealTimeScannerOptions RealTimeScannerStats
    ReceivedPage RecordTimes RecoveredObject ReplayableBody Repository RepositoryCipher RepositoryConfig RepositoryEncryption
    RepositoryEncryptionOptions RepositoryLock RepositoryReader RepositoryStatus RestTarget RestoreAccountOptions
    RestoreAccountResult RestoreDirectoryOptions RestoreDirectoryResult RestoreFailure RestoreItemKind
    RestoreItemsOptions RestoreKindCounts RestoreOperationOptions RestoreProgress RestoreResult RestoreTargetKind
    RestoreWriteResult ResyncRecord RetryBackend RetryBackendOptions RetryPolicy ScannerFleet ScannerFleetOptions
    ScryptParams Secret SendOptions ServerCaptureState ServerCaptureStatus ServerStatus SoapConnection
    SoapDirectoryCapture SoapFaultError StagedArchive StorageBackend SyncCursor SyncCursorOptions TimelineBucket
    TimelineBucketSize TlsOptions UndeleteOptions UndeleteResult UploadFileOptions WatchedAccount
    ZimbraBackupError ZimbraBackupErrorOptions ZimbraClient ZimbraClientOptions accountCoverage accountTimeline
    acquireLock breakLock captureDirectory checkRepository classifyEntry decryptArchiveStream digestOf
    downloadItem dumpDirectory encryptArchiveStream exportArchive exportTgz importArchive importRepository
    initRepository isDigest isRetryable isZimbraBackupError itemHistory itemVersion listItems messageAttachment
    messagePreview migrateRepository openItemContent openOrInitRepository openRepository parseDigest parseLdif
    proxyFromEnv purgeRepository readArchiveManifest readDirectoryDump readLocks repositoryStatus restoreAccount
    restoreDirectory restoreItems shardOf throwIfAborted toSecret undelete uploadFile verifyBlob
  `,
  // 198 names
  './soap': `
    ACCOUNT_INACTIVE_CODES AccountInactiveError AccountSelector AddAccountAlias AddAccountAliasParams
    AddDistributionListAlias AddDistributionListAliasParams AddDistributionListMember AddDistributionListMemberParams AddMsg AddMsgParams AdminAuth AdminAuthParams
    AdminBatch AdminCreateWaitSet AdminCreateWaitSetParams AdminCreateWaitSetResult AdminDestroyWaitSet
    AdminDestroyWaitSetParams AdminWaitSet AdminWaitSetParams AdminWaitSetResult AnySoapRequestDefinition
    AppointmentComponent AppointmentInfo Auth AuthExpiredError AuthInfo AuthParams AuthResult BackoffOptions Batch
    BatchMember BatchOutcome BatchParams BatchResult ContactAttachment ContactGroupMember ContactInfo
    CreateAccount CreateAccountParams CreateContact CreateContactParams CreateCos CreateCosParams
    CreateDistributionList CreateDistributionListParams CreateDomain CreateDomainParams CreateFolder
    CreateFolderParams CreateNote CreateNoteParams CreateTag CreateTagParams DelegateAuth DelegateAuthParams DirectoryObject
    DistributionListInfo FolderInfo GetAccount GetAccountInfo GetAccountInfoParams GetAccountInfoResult
    GetAccountParams GetAllCos GetAllCosResult GetAllDistributionLists GetAllDistributionListsParams
    GetAllDistributionListsResult GetAllDomains GetAllDomainsParams GetAllDomainsResult GetAllServers
    GetAllServersParams GetAllServersResult GetAppointment GetAppointmentParams GetAppointmentResult GetContacts
    GetContactsParams GetContactsResult GetDistributionList GetDistributionListParams GetDistributionListResult
    GetFolder GetFolderParams GetFolderResult GetItem GetItemParams GetItemResult GetMailbox GetMailboxParams
    GetMailboxResult GetMsgMetadata GetMsgMetadataParams GetMsgMetadataResult GetTag GetTagResult
    HttpRequestOptions HttpResponse HttpStatusError ITEM_ID_ATTRIBUTES ITEM_TYPE_WIRE ItemAction ItemActionOp
    ItemActionParams ItemActionResult ItemSummary ItemType JsonTransport ListAccountsOptions ModifyAccount
    ModifyAccountParams MustResyncError NO_SUCH_ITEM_CODES NoSuchItemError NoSuchWaitSetError ProxyOptions
    QualifiedIdMismatchError RestTarget RetryPolicy SOAP12_NS SaveDocument SaveDocumentParams Search
    SearchDirectory SearchDirectoryParams SearchDirectoryResult SearchParams SearchResult SendOptions
    SetAppointment SetAppointmentParams SetAppointmentResult SetTask SoapConnection SoapContextHeader SoapElement
    SoapEnvelopeRequest SoapEnvelopeResponse SoapFaultArg SoapFaultError SoapFaultErrorOptions
    SoapRequestDefinition SoapScalar SoapTransport Sync SyncDeleted SyncParams SyncResult TagInfo TlsOptions
    WIRE_ITEM_TYPES WaitSetAccountError WaitSetAccountSpec WaitSetSignal XmlTransport ZimbraAttrs ZimbraClient
    ZimbraClientOptions asArray attrBool attrIdList attrNum attrStr attrValue attrValues boolAttr child children
    faultToError flattenFolders parseAuthResponse parseContact parseDirectoryObject parseDistributionList
    parseFolder parseItem parseItemId parseOne parseRetryAfter parseSignals parseTag parseWaitSetErrors
    proxyFromEnv readAttrs redactHeaders redactSoapBody redactTokens redactUrl requests responseNameOf
    selectorElement specsElement text toAttrList toSelector unqualifyItemIds
  `,
  // 40 names
  './emulator': `
    BuildCorpusOptions BuiltCorpus Corpus CorpusAccount CorpusAttachment CorpusCalendarItem CorpusContact
    CorpusDocument CorpusMessage CorpusStats DeliverOptions DosFilter DosFilterOptions Emulator EmulatorOptions
    EmulatorServerInfo EmulatorStats FaultInjector FaultPlan FaultRule FolderRef ItemType MailboxSnapshot
    MeasureCorpusOptions NamedId PurgeResult RealMessageSource SnapshotFolder SnapshotItem SpamAssassinSource
    WaitSetTimeoutClamp WriteCorpusAsFilesOptions WriteCorpusAsFilesResult buildCorpus corpusEpoch corpusStats
    defaultSpamAssassinDir measureCorpus startEmulator writeCorpusAsFiles
  `,
  // 8 names
  './s3': `
    S3Backend S3BackendFromUrlOptions S3BackendOptions S3ChecksumMode S3Credentials S3Url createS3BackendFromUrl
    parseS3Url
  `,
  // 17 names
  './console': `
    ConsoleServer ConsoleServerOptions ListenAddress LoginRateLimitOptions OPERATION_KINDS OperationContext
    OperationEvent OperationKind OperationProgress OperationRecord OperationRunner OperationRunnerOptions
    OperationStatus SessionStoreOptions createConsoleServer isLoopback parseListen
  `,
  // 15 names
  './testing': `
    BackendFactory BackendProperties ConformanceOptions ConformanceRunner Fault FaultMethod FaultScript
    FaultyBackend IoOptions MemoryBackend MemoryBackendOptions ObjectInfo ReplayableBody StorageBackend
    defineBackendConformance
  `,
};

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; import: string }>;
};
const subpaths = Object.entries(pkg.exports)
  .filter(([k]) => k !== './package.json')
  .map(([k, v]) => {
    const js = typeof v === 'string' ? v : v.import;
    return [k, join(ROOT, js.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'))] as const;
  });

/** Export names of each entry file, from one program over all of them. */
function exportNames(files: readonly string[]): Map<string, string[]> {
  const program = ts.createProgram([...files], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const out = new Map<string, string[]>();
  for (const f of files) {
    const source = program.getSourceFile(f);
    const symbol = source && checker.getSymbolAtLocation(source);
    if (!symbol) throw new Error(`${f}: not a module`);
    out.set(
      f,
      checker
        .getExportsOfModule(symbol)
        .map((s) => s.name)
        .sort(),
    );
  }
  return out;
}

describe('public API (package.json exports)', () => {
  it('pins every subpath, and only those', () => {
    expect(subpaths.map(([k]) => k).sort()).toEqual(Object.keys(PINNED).sort());
  });

  it('exports exactly the pinned names from each subpath', () => {
    const names = exportNames(subpaths.map(([, f]) => f));
    for (const [subpath, file] of subpaths) {
      const actual = names.get(file) ?? [];
      const pinned = (PINNED[subpath] ?? '').split(/\s+/).filter(Boolean);
      // Added and removed names first: a readable failure when the API changes.
      expect({
        subpath,
        added: actual.filter((n) => !pinned.includes(n)),
        removed: pinned.filter((n) => !actual.includes(n)),
      }).toEqual({ subpath, added: [], removed: [] });
      expect(actual, subpath).toEqual([...pinned].sort());
    }
  }, 120_000);
});
