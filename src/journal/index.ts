/**
 * The per-account journal: an append-only history of item versions, deletions and account
 * snapshots, with atomic batch commits and point-in-time views. Format: docs/FORMAT.md ("Journal").
 *
 * ```text
 * open:    list <prefix>journal/ once
 *          visible segments = widest ranges; segments inside one are compaction leftovers
 *          state  = newest intact checkpoint (damaged ones skipped: derived data)
 *          replay every segment after it; the last single-commit segment may be torn:
 *            ignore it, report it in `recovered`, delete it (writable open)
 * commit:  drop replays (item id + modified sequence already there), stamp capture time
 *          put one sealed segment: records + commit marker {seq, captureMs, crc, state}
 *          apply to the in-memory state; maybe merge the tail segments; maybe checkpoint
 * stateAt: newest checkpoint with captureMs <= t, replay batches up to t
 * compact: stream segments (filtered by keep) into one range segment, verify, delete the old
 * ```
 *
 * Failure modes: a crash before a segment put completes leaves no trace (puts are atomic) or,
 * on a backend that tears writes, a damaged last segment, which open ignores: the commit was never
 * acknowledged, so the caller replays it and the journal drops what it already holds. A damaged or
 * missing segment anywhere else is `ZB_JOURNAL_CORRUPT` with the segment key in `data.key`; a
 * damaged checkpoint is skipped with a warning. A crash during compaction leaves both the merged
 * and the old segments; readers see only the merged one, and the next writable open deletes the old.
 * @module
 */
export { Journal } from './journal.js';
export { ITEM_KINDS } from './types.js';
export type {
  AccountDeletedRecord,
  AccountRecord,
  CommitOptions,
  CommitResult,
  CompactOptions,
  CompactResult,
  DeletedItem,
  DeleteRecord,
  FolderEntry,
  ItemKind,
  ItemRecord,
  JournalOptions,
  JournalRecord,
  JournalRecordInput,
  JournalStats,
  JsonValue,
  MailboxState,
  RecordTimes,
  RecoveredObject,
  ResyncRecord,
} from './types.js';
