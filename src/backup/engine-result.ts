/**
 * What a backup engine reports: the summary of a run or watch ({@link BackupResult}), the status
 * snapshot for metrics and alerts ({@link EngineStatus}), and how account runs add up to it.
 * @module
 */
import type { DirectorySnapshotResult } from '../directory/directory-snapshot.js';
import type { ServerCaptureStatus } from '../sync/scanner-fleet.js';
import type { AccountRunResult } from './account-backup.js';

/** The summary of a backup run (`zimbra-backup backup --json`). */
export interface BackupResult {
  /** Accounts backed up in this run. */
  accounts: number;
  itemsNew: number;
  itemsChanged: number;
  itemsDeleted: number;
  /** Bytes received from the server. */
  bytesDownloaded: number;
  /** Bytes written to the repository after dedup and compression. */
  bytesStored: number;
  durationMs: number;
  /** Accounts the server no longer lists, marked deleted in this run. */
  accountsDeleted: number;
  /** Per-account or per-item failures (the run goes on). */
  failures: Array<{ accountId: string; itemId?: string; error: string }>;
  /**
   * Accounts the server refused as inactive (`account.ACCOUNT_INACTIVE`, maintenance mode):
   * warnings, not failures. Skipped with their history kept, never marked deleted, tried again
   * on the next pass; `sinceMs` is when they were first found inactive.
   */
  inactive: Array<{ accountId: string; sinceMs: number; error: string }>;
  /** The directory snapshot saved by this run, with the `directory` option. */
  directory?: DirectorySnapshotResult;
}

/** A snapshot of a running engine, for metrics and alerts ({@link BackupEngine.status}). */
export interface EngineStatus {
  /** True while `run` or `watch` holds the repository. */
  running: boolean;
  /**
   * Real-time notification over all mailbox servers: `connecting` before the first WaitSet,
   * `up` while every server's polls succeed, `down` while any is failing; absent outside `watch`.
   */
  waitSet?: 'connecting' | 'up' | 'down';
  /** Per mailbox server WaitSet state, in `watch`. */
  servers?: ServerCaptureStatus[];
  /** Per selected account: zimbraId, name, capture lag in ms, and the last successful run (ms since the epoch). */
  accounts: Array<{ id: string; name: string; lagMs: number; lastCaptureMs?: number }>;
  /** Totals of the current run or watch so far. */
  totals: BackupResult;
}

/** A summary with nothing counted yet. */
export function emptyResult(): BackupResult {
  return {
    accounts: 0,
    itemsNew: 0,
    itemsChanged: 0,
    itemsDeleted: 0,
    bytesDownloaded: 0,
    bytesStored: 0,
    durationMs: 0,
    accountsDeleted: 0,
    failures: [],
    inactive: [],
  };
}

/**
 * Adds one account run to the totals. `accountsRun` holds the accounts counted so far: accounts
 * are counted, not account runs (watch runs an account once per change; issue #15: "accounts 25"
 * for 5).
 */
export function addAccountRun(totals: BackupResult, accountsRun: Set<string>, r: AccountRunResult): void {
  const t = totals;
  accountsRun.add(r.accountId);
  t.accounts = accountsRun.size;
  t.itemsNew += r.itemsNew;
  t.itemsChanged += r.itemsChanged;
  t.itemsDeleted += r.itemsDeleted;
  t.bytesDownloaded += r.bytesDownloaded;
  t.bytesStored += r.bytesStored;
  for (const f of r.failures) t.failures.push({ accountId: r.accountId, itemId: f.id, error: f.error });
}
