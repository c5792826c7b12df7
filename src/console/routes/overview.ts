/**
 * Warnings shown on the overview: accounts whose capture lags, items that keep failing,
 * accounts gone from the server, and a stale writer lock (a capture process that died).
 * @module
 */
import type { RepositoryStatus } from '../../catalog/index.js';
import type { LockInfo } from '../../repository/lock.js';

/** One warning line. */
export interface OverviewWarning {
  level: 'warning' | 'error';
  message: string;
  account?: string;
}

/** Capture older than this is called lagging (real-time capture commits within seconds). */
export const LAG_WARNING_MS = 24 * 3_600_000;

/** Computes the overview's warnings. */
export function overviewWarnings(status: RepositoryStatus, locks: readonly LockInfo[], now: number): OverviewWarning[] {
  const out: OverviewWarning[] = [];
  for (const a of status.accounts) {
    if (a.deletedMs !== undefined) {
      out.push({
        level: 'warning',
        account: a.name,
        message: `${a.name} no longer exists on the server (kept in the backup)`,
      });
      continue;
    }
    if (a.lastCommitMs === 0)
      out.push({ level: 'error', account: a.name, message: `${a.name} has never been captured` });
    else if (now - a.lastCommitMs > LAG_WARNING_MS)
      out.push({
        level: 'warning',
        account: a.name,
        message: `${a.name}: last capture ${Math.round((now - a.lastCommitMs) / 3_600_000)} h ago`,
      });
    if (a.failingItems > 0)
      out.push({
        level: 'warning',
        account: a.name,
        message: `${a.name}: ${a.failingItems} items keep failing to download`,
      });
  }
  for (const l of locks)
    if (l.stale)
      out.push({ level: 'warning', message: `stale writer lock held by ${l.owner} on ${l.host} (pid ${l.pid})` });
  return out;
}
