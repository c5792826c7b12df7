/**
 * The options of {@link BackupEngine}: what to back up, how much at once, and where events go.
 * @module
 */
import type { Logger } from '../internal/logger.js';
import type { Repository } from '../repository/repository.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import type { DirectoryCapture } from '../directory/capture-directory.js';
import type { DirectorySnapshotResult } from '../directory/directory-snapshot.js';
import type { AccountRunResult } from './account-backup.js';
import type { BackupProgress } from './progress.js';
import type { AccountSelection } from './selection.js';

/** Options of {@link BackupEngine}. */
export interface BackupEngineOptions {
  /** A client authenticated as a Zimbra admin. */
  client: ZimbraClient;
  /** The repository to write (the engine takes its writer lock while running). */
  repository: Repository;
  /**
   * Only these accounts (names or zimbraIds). Default: every account. A name the server does not
   * list is reported (a warning and a `ZB_NOT_FOUND` entry in `failures`, once per run) and the
   * others are backed up: one deleted account in a list must not stop the backup of the rest.
   */
  accounts?: string[];
  /**
   * This engine's part of the accounts when several engines write one repository (`--shard`,
   * `--mail-servers`): only those accounts are backed up or marked deleted, only those servers'
   * WaitSets are watched, and the engine takes a shared lock (docs/FORMAT.md, "Several writers").
   * Default: every account, exclusive lock.
   */
  selection?: AccountSelection;
  /** Accounts backed up at once. Default 4. */
  concurrency?: number;
  /** Item downloads at once, across all accounts. Default 8. */
  itemConcurrency?: number;
  /**
   * Real-time capture (watch): account journals kept open between runs, most recently used first,
   * so an account that changes again soon does not reopen its journal. A journal that read the whole
   * state of more than 2000 live items is closed at once (it holds about 1 KB of heap per item). Default 64;
   * 0: each is closed when its run is done. A one-shot `run` closes each when the account is done.
   */
  idleJournals?: number;
  /** Largest item accepted, in bytes. Default: no bound. */
  maxItemBytes?: number;
  /**
   * Full listings (first backup, `--full`, MUST_RESYNC) download new messages in `fmt=tar&list=…`
   * batches, one request per batch (ArchiveFormatter.java), falling back to one GET per message for
   * anything the archive lacks or gets wrong. Default true; false: one GET per message.
   */
  bulkDownload?: boolean;
  /**
   * Admin base URL of each mailbox server by name, where the one derived from the server's
   * `zimbraServiceHostname` and `zimbraAdminPort` is not reachable from here (watch).
   */
  serverUrls?: Readonly<Record<string, string>>;
  /** How often `watch` rewrites its capture status (status/capture-<engine>.json), in ms. Default 15000. */
  statusIntervalMs?: number;
  /** This engine's name in the capture status. Default: `<host>-<lock owner>`. */
  engineName?: string;
  /** WaitSet poll timeout in seconds (watch). Default 300. */
  waitSetTimeoutSeconds?: number;
  /**
   * Real-time capture (watch) uses one WaitSet per mailbox server over the accounts it holds
   * (`explicit`), or Zimbra's deprecated all-accounts WaitSet (`all-accounts`), which signals
   * nothing while the server's redo log is off (the deaf-WaitSet fallback then polls). Default:
   * `explicit`, except for an engine limited to some servers (`selection.mailServers`), which
   * must hear accounts that move in before its directory refresh lists them, so `all-accounts`.
   * An explicit set learns of a moved or new account at the directory refresh (`refreshMs`).
   * A server with more than `maxExplicitAccounts` (default 20,000) accounts gets an
   * all-accounts WaitSet either way.
   */
  waitSetKind?: 'explicit' | 'all-accounts';
  /** See {@link BackupEngineOptions.waitSetKind}. */
  maxExplicitAccounts?: number;
  /**
   * Polling fallback (watch): accounts whose changes a SmartScan found but no WaitSet signalled
   * (`deafThreshold` probes in a row, default 2), or that a WaitSet refused, are run every
   * `pollIntervalMs` (default 60000) until their server signals them again. Besides SmartScan,
   * `probeSample` accounts per server (default 10, in turn) are run every `probeIntervalMs`
   * (default 600000; 0: none) as probes, so a deaf WaitSet shows within minutes.
   */
  waitSetFallback?: { pollIntervalMs?: number; deafThreshold?: number; probeIntervalMs?: number; probeSample?: number };
  /** Directory refresh period in watch mode, in ms (new and deleted accounts). Default 300000. */
  refreshMs?: number;
  /**
   * `watch` gives up (rejects with `ZB_TRANSPORT` naming the server) once a mailbox server has
   * been unreachable this long, in ms. Default: never; it retries with backoff and warns.
   */
  maxDowntimeMs?: number;
  /** Progress events (not monotonic: accounts run in parallel). */
  onProgress?: (p: BackupProgress) => void;
  /**
   * Also save a directory snapshot into the repository, read over LDAP or through admin SOAP
   * (`run`: beside the pass, awaited before it ends; `watch`: before capture starts). Default: no directory snapshot.
   */
  directory?: DirectoryCapture;
  /** Called after each directory snapshot (a SOAP snapshot carries a warning: no password hashes). */
  onDirectory?: (r: DirectorySnapshotResult) => void;
  /** Called after each account run (watch mode: after each real-time capture). */
  onAccountRun?: (r: AccountRunResult) => void;
  logger?: Logger | false;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Owner label of the writer lock shown to other processes. Default: 'backup' (`run`), 'watch' (`watch`). */
  lockOwner?: string;
}
