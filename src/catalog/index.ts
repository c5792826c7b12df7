/**
 * The read side: what a repository holds, without a server and without the writer lock. The
 * `ls` and `status` commands and the web console stand on it.
 *
 * ```text
 * repositoryStatus(repo)                 accounts (index) -> each journal read-only: items, last commit,
 *                                        token age, failing items; one LIST: blobs, bytes, dedup ratio
 * listItems({ account, at })             resolve name|id -> journal.stateAt(at) -> items with folder paths
 * listItems({ deleted, from, at })       journal.deletedBetween(from, at) -> the deleted items
 * itemVersion({ account, itemId, at })   the item at an instant (or its last version before deletion)
 * itemHistory({ account, itemId })       every version and deletion of one item
 * accountTimeline({ account, from, to }) changes and deletions per hour/day (what a timeline draws)
 * accountCoverage({ account })           first kept record .. last commit
 * openItemContent / messagePreview       the bytes of a version (digest verified), a sanitized view
 * ```
 * Failure modes: an account the repository never saw is `ZB_NOT_FOUND`; a damaged journal is
 * `ZB_JOURNAL_CORRUPT`; a missing or damaged blob is `ZB_BLOB_NOT_FOUND`/`ZB_DIGEST_MISMATCH`
 * at the end of its stream; nothing here writes.
 * @module
 */
export { listItems, resolveAccount, type ListItemsOptions, type ListedItem } from './list-items.js';
export { repositoryStatus, type RepositoryStatus, type AccountStatus, type ServerStatus } from './repository-status.js';
export {
  itemHistory,
  accountCoverage,
  type ItemHistory,
  type ItemHistoryOptions,
  type AccountCoverage,
} from './item-history.js';
export { itemVersion, openItemContent, type ItemVersionOptions, type ItemVersionResult } from './item-version.js';
export {
  accountTimeline,
  type AccountTimeline,
  type AccountTimelineOptions,
  type TimelineBucket,
  type TimelineBucketSize,
} from './account-timeline.js';
export {
  messagePreview,
  messageAttachment,
  sanitizeMessageHtml,
  MAX_PREVIEW_BYTES,
  type MessagePreview,
  type PreviewAttachment,
} from './message-preview.js';
export { EnvelopeCache, contactTitle, type MessageEnvelope } from './message-envelope.js';
