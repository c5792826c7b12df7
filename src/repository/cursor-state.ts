/**
 * The cursor state a backup commits with every journal batch: the sync token, the retry list and
 * the token of the last full listing. The journal stores it opaquely; the backup writes it,
 * `status` and `check --repair` read (and repair amends) it, so the type lives beside the
 * repository that holds it rather than inside the backup run.
 * @module
 */

/** The cursor state committed with every journal batch (opaque to the journal). */
export interface CursorState {
  /** The Zimbra sync token this commit covers; absent until a full listing completed. */
  token?: string;
  /**
   * Items that failed to download, retried on the next runs. `refetch` entries (written by
   * `check --repair` for items whose blob was missing or corrupt) download the content again even
   * when the journal's version looks current.
   */
  retry?: Array<{ id: string; type: string; attempts: number; error: string; refetch?: boolean }>;
  /** The token at the end of the last full listing (SmartScan's cheap probe compares against it). */
  scannedToken?: string;
  /**
   * The account moved to another mailbox server and no full listing of its new mailbox completed
   * yet: the recorded modified and saved sequences come from the old mailbox and say nothing about
   * the new one (its change counter starts anew), so every item is compared by its metadata and
   * its content downloaded again (stored only if its digest is new). Cleared by the listing's
   * last commit.
   */
  moved?: boolean;
  /**
   * SHA-256 of the account attributes the journal holds (volatile ones left out), present while
   * the account is not marked deleted: a run compares the server's attributes against it and, when
   * the sync token reports no change either, is done without opening the journal.
   */
  attrsDigest?: string;
}

/** The cursor state of a journal's last commit, or an empty one (never backed up). */
export function cursorStateOf(lastState: unknown): CursorState {
  if (lastState === null || typeof lastState !== 'object' || Array.isArray(lastState)) return {};
  return { ...(lastState as CursorState) };
}
