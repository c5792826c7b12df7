import type { ProgressEvent } from '../internal/progress.js';

/**
 * A progress event of a backup. Events may not be monotonic: several accounts run at once.
 *
 * A pass reports `{ phase: 'accounts', loaded, total, unit: 'accounts' }` when it starts listing
 * (no total yet), once the accounts are listed, and after each account finishes (that event
 * names the finished account in `accountId`). Within one account run, events count items:
 * `{ phase: 'sync' | 'download' | 'commit', accountId, loaded: items recorded so far, unit: 'items' }`,
 * with the listing size as `total` on the `sync` event of a full listing.
 */
export interface BackupProgress extends ProgressEvent<
  'accounts' | 'sync' | 'download' | 'commit' | 'directory' | 'done',
  'accounts' | 'items'
> {
  /** The account concerned (zimbraId), when the event is about one. */
  accountId?: string;
  /** Items recorded so far in this account run (the same as `loaded` in per-account events). */
  items?: number;
  /** Records in the commit being written. */
  records?: number;
  /** Bytes downloaded so far in this account run. */
  bytes?: number;
}
