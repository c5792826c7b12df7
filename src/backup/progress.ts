/**
 * A progress event of a backup. Events may not be monotonic: several accounts run at once, and
 * `total` is known only for full listings.
 */
export interface BackupProgress {
  /** What is happening: listing changes, downloading content, committing to the journal, dumping the directory. */
  phase: 'accounts' | 'sync' | 'download' | 'commit' | 'directory' | 'done';
  /** The account concerned (zimbraId), when the event is about one. */
  accountId?: string;
  /** Items recorded so far in this account run. */
  items?: number;
  /** Records in the commit being written. */
  records?: number;
  /** Items listed by a full listing. */
  total?: number;
  /** Bytes downloaded so far in this account run. */
  bytes?: number;
  /**
   * With `unit`: units done so far in this phase. A pass reports `{ phase: 'accounts', loaded,
   * total, unit: 'accounts' }` once the accounts are listed and after each account finishes
   * (that event names the finished account in `accountId`).
   */
  loaded?: number;
  /** What `loaded`/`total` count, when the event carries a phase-wide count. */
  unit?: 'accounts' | 'items' | 'bytes';
}
