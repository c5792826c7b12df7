/**
 * Restore: writes backed-up mailbox state back through SOAP/REST (a point in time, a deletion
 * window, single items). Directory objects are restored by `restoreDirectory` (src/directory/).
 *
 * ```text
 * source  = account index -> journal (read-only: stateAt(t) | deletedBetween(t1,t2) | history(id))
 * plan    = folders (paths, parents first) + tags + item versions with target folder paths
 * restoreId = op + hash(account, target, at/window/ids)      -> restores/<restoreId>/ (id map, operation)
 * writer: folders (system ids by path/id, others CreateFolder fie=1), tags (by name), then items
 *         (p-limit): id map hit -> skip; same content in the target folder -> skip;
 *         blob stream (digest verified at its end) -> upload servlet (chunked) -> AddMsg /
 *         CreateContact / SetAppointment|SetTask / SaveDocument -> id map (flushed as it goes)
 * ```
 * Failure modes: a corrupt or missing blob fails that item only (`ZB_DIGEST_MISMATCH`,
 * `ZB_BLOB_NOT_FOUND`) and nothing is written for it; an abort saves the id map and rejects
 * `ZB_ABORTED`; a rerun of the same operation resumes (items written but not yet in the id map
 * are found in the target folder by content). Restores never take the repository lock.
 * @module
 */
export { RestoreWriter, idMapKey, type RestoreWriterOptions } from './restore-writer.js';
export { RestoreIdMap, type RestoreIdMapOptions } from './restore-id-map.js';
export { restoreIdOf } from './restore-id.js';
export {
  restoreAccount,
  liveItemIds,
  type RestoreAccountOptions,
  type RestoreAccountResult,
  type RestoreTargetKind,
} from './restore-account.js';
export { undelete, restoredFolderName, type UndeleteOptions, type UndeleteResult } from './undelete.js';
export { restoreItems, type RestoreItemsOptions } from './restore-items.js';
export { planFromState, resolveSourceAccount, type SourceAccount } from './restore-source.js';

export { splitCalendar, type CalendarParts } from './calendar-split.js';
export {
  RESTORE_ITEM_KINDS,
  emptyCounts,
  type PlannedEntry,
  type PlannedFolder,
  type PlannedItem,
  type RestoreFailure,
  type RestoreItemKind,
  type RestoreKindCounts,
  type RestoreOperationOptions,
  type RestorePlan,
  type RestoreProgress,
  type RestoreResult,
  type RestoreWriteResult,
} from './types.js';
