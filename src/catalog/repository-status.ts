/**
 * What `zimbra-backup status` reports: per account, items and last commit; for the repository,
 * stored size and the dedup and compression ratios. A reader: never takes the lock.
 * @module
 */
import { mailHostOf } from '../directory/account-attributes.js';
import { BLOBS_PREFIX } from '../repository/layout.js';
import type { Repository } from '../repository/repository.js';
import { cursorStateOf } from '../repository/cursor-state.js';
import { accountInactive, accountLag, readCaptureStatuses, type ServerCaptureState } from '../backup/capture-status.js';

/** One account in a {@link RepositoryStatus}. */
export interface AccountStatus {
  id: string;
  name: string;
  /** Live items in the current state (folders and tags included). */
  items: number;
  /** Journal records kept (every version and deletion). */
  records: number;
  /** Capture time of the last commit, ms since the epoch (0: never). */
  lastCommitMs: number;
  /** Age of the sync token at the time of the status, in ms (undefined: no full listing yet). */
  tokenAgeMs: number | undefined;
  /** Items whose download keeps failing (retried on each run). */
  failingItems: number;
  /** When the server stopped listing the account. */
  deletedMs?: number;
  /** The mailbox server that holds it (`zimbraMailHost` at its last backup). */
  server?: string;
  /**
   * ms since the instant up to which the backup of this account is known complete (capture
   * status of the engine that covers it); undefined when no engine has reported on it.
   */
  lagMs?: number;
  /** Why it lags: the account's runs fail, or its server cannot be watched. */
  lagReason?: string;
  /**
   * The server refuses the account as inactive (maintenance mode, `account.ACCOUNT_INACTIVE`):
   * since when (ms since the epoch) and its answer. The backup skips it with a warning and keeps
   * trying; its history is kept.
   */
  inactive?: { sinceMs: number; error: string };
}

/** A mailbox server as the engines last reported it. */
export interface ServerStatus extends ServerCaptureState {
  /** Engine that reported it. */
  engine: string;
  /** When that engine last wrote its status. */
  reportedMs: number;
  /** Accounts of the repository homed on it. */
  accounts: number;
}

/** Result of {@link repositoryStatus}. */
export interface RepositoryStatus {
  accounts: AccountStatus[];
  /** Mailbox servers with real-time capture state (newest report per server). */
  servers: ServerStatus[];
  /** Distinct blobs stored. */
  blobs: number;
  /** Bytes of every object in the repository (blobs, journals, directory dumps). */
  repositoryBytes: number;
  /** Bytes of blob objects as stored (after compression). */
  blobBytesStored: number;
  /** Uncompressed bytes of the distinct blobs referenced by live items. */
  uniqueBytes: number;
  /** Uncompressed bytes of all live items' content across accounts (what the mailboxes hold). */
  logicalBytes: number;
  /** logicalBytes / uniqueBytes (how much dedup saves; 1 = nothing). */
  dedupRatio: number;
  /** uniqueBytes / stored bytes of those blobs (how much compression saves). */
  compressionRatio: number;
}

/** Reads the status of a repository (lists every object once; cost proportional to its size). */
export async function repositoryStatus(opts: {
  repository: Repository;
  now?: number;
  signal?: AbortSignal;
}): Promise<RepositoryStatus> {
  const { repository, signal } = opts;
  const now = opts.now ?? Date.now();
  const io = signal ? { signal } : {};
  const accounts: AccountStatus[] = [];
  const unique = new Map<string, number>();
  let logicalBytes = 0;
  const captures = await readCaptureStatuses(repository.backend, signal);
  for (const entry of await repository.accounts(signal)) {
    const journal = await repository.journal(entry.id, { readOnly: true, ...io });
    try {
      const state = journal.current();
      const stats = journal.stats();
      for (const item of state.items.values()) {
        if (item.digest === undefined || item.size === undefined) continue;
        logicalBytes += item.size;
        unique.set(item.digest, item.size);
      }
      const cursor = cursorStateOf(journal.lastState());
      const server = mailHostOf(state.account?.attrs);
      const lag = entry.deletedMs === undefined ? accountLag(captures, entry.id, server, now) : undefined;
      const inactive = entry.deletedMs === undefined ? accountInactive(captures, entry.id) : undefined;
      accounts.push({
        id: entry.id,
        name: entry.name,
        items: stats.liveItems,
        records: stats.records,
        lastCommitMs: stats.lastCaptureMs,
        tokenAgeMs: cursor?.token !== undefined && stats.lastCaptureMs > 0 ? now - stats.lastCaptureMs : undefined,
        failingItems: cursor?.retry?.length ?? 0,
        ...(entry.deletedMs !== undefined ? { deletedMs: entry.deletedMs } : {}),
        ...(server !== undefined ? { server } : {}),
        ...(lag ? { lagMs: lag.lagMs, ...(lag.reason ? { lagReason: lag.reason } : {}) } : {}),
        ...(inactive ? { inactive: { sinceMs: inactive.sinceMs, error: inactive.error } } : {}),
      });
    } finally {
      await journal.close();
    }
  }
  let repositoryBytes = 0;
  let blobBytesStored = 0;
  let blobs = 0;
  let uniqueStored = 0;
  for await (const obj of repository.backend.list('', io)) {
    repositoryBytes += obj.size;
    if (!obj.key.startsWith(BLOBS_PREFIX)) continue;
    blobs++;
    blobBytesStored += obj.size;
    const hex = obj.key.slice(obj.key.lastIndexOf('/') + 1);
    if (unique.has(hex)) uniqueStored += obj.size;
  }
  const uniqueBytes = [...unique.values()].reduce((a, b) => a + b, 0);
  const servers = new Map<string, ServerStatus>();
  for (const c of captures)
    for (const srv of c.servers) {
      const seen = servers.get(srv.name);
      if (!seen || seen.reportedMs < c.updatedMs)
        servers.set(srv.name, { ...srv, engine: c.engine, reportedMs: c.updatedMs, accounts: 0 });
    }
  for (const a of accounts) {
    const srv = a.server === undefined ? undefined : servers.get(a.server);
    if (srv && a.deletedMs === undefined) srv.accounts++;
  }
  return {
    accounts,
    servers: [...servers.values()].sort((x, y) => (x.name < y.name ? -1 : 1)),
    blobs,
    repositoryBytes,
    blobBytesStored,
    uniqueBytes,
    logicalBytes,
    dedupRatio: uniqueBytes > 0 ? logicalBytes / uniqueBytes : 1,
    compressionRatio: uniqueStored > 0 ? uniqueBytes / uniqueStored : 1,
  };
}
