/**
 * The read side: what a repository holds, without a server and without the writer lock. The
 * `ls` and `status` commands and the web console stand on it.
 *
 * ```text
 * repositoryStatus(repo)            accounts (index) -> each journal read-only: items, last commit,
 *                                   token age, failing items; one LIST: blobs, bytes, dedup ratio
 * listItems({ account, at })        resolve name|id -> journal.stateAt(at) -> items with folder paths
 * listItems({ deleted, from, at })  journal.deletedBetween(from, at) -> the deleted items
 * ```
 * Failure modes: an account the repository never saw is `ZB_NOT_FOUND`; a damaged journal is
 * `ZB_JOURNAL_CORRUPT`; nothing here writes.
 * @module
 */
export { listItems, resolveAccount, type ListItemsOptions, type ListedItem } from './list-items.js';
export { repositoryStatus, type RepositoryStatus, type AccountStatus } from './repository-status.js';
