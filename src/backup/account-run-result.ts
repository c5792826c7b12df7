/**
 * The counters of one account run (what `backupAccount` and the no-change check return).
 * @module
 */

/** Counters of one account run. */
export interface AccountRunResult {
  accountId: string;
  itemsNew: number;
  itemsChanged: number;
  itemsDeleted: number;
  bytesDownloaded: number;
  bytesStored: number;
  commits: number;
  /** True when this run listed the whole mailbox (first run, full pass or MUST_RESYNC). */
  fullListing: boolean;
  /** Items that could not be fetched; retried next run. */
  failures: Array<{ id: string; error: string }>;
}

/** The result of an account run that did nothing (yet). */
export function emptyAccountRun(accountId: string): AccountRunResult {
  return {
    accountId,
    itemsNew: 0,
    itemsChanged: 0,
    itemsDeleted: 0,
    bytesDownloaded: 0,
    bytesStored: 0,
    commits: 0,
    fullListing: false,
    failures: [],
  };
}
