/**
 * Purge by retention with safe garbage collection (DESIGN.md section 1, `Purge`).
 *
 * ```text
 * lock (writer; a running backup -> ZB_LOCK_HELD, and a backup started now gets ZB_LOCK_HELD)
 * open every journal; any damaged one -> ZB_JOURNAL_CORRUPT, nothing changed
 * per account: stateAt(cutoff) -> retention rule -> compact({ keep })       (journals first)
 * deleted accounts past their retention: delete their objects newest batch first, then the index entry
 * fingerprint the journals' segment keys; list blobs (the only deletion candidates)
 * mark: digests referenced by every remaining journal (re-read after compaction)
 * re-check: lock still ours, no other lock, journal segment listing unchanged since before the mark
 * sweep: delete listed blobs that are not marked                           (blobs last)
 * ```
 * An interruption anywhere leaves a consistent repository: a compaction is crash-safe by itself,
 * a half-removed account keeps a readable journal prefix and its index entry until the end, and
 * blobs are only deleted once nothing that remains references them. Rerunning finishes the job.
 * @module
 */
import pLimit from 'p-limit';
import { isZimbraBackupError, throwIfAborted, ZimbraBackupError } from '../errors.js';
import type { AccountIndexEntry } from '../repository/account-index.js';
import { type Journal } from '../journal/journal.js';
import { recordDigests } from '../journal/record-digests.js';
import { ACCOUNTS_PREFIX, accountPrefix } from '../repository/layout.js';
import type { LockOptions, RepositoryLock } from '../repository/lock.js';
import type { Repository } from '../repository/repository.js';
import { collectPacks } from './purge-packs.js';
import { listAccountIds } from './references.js';
import { retentionRule } from './retention.js';
import type { PurgeProgress } from './types.js';
import { invalidOptionOf } from '../internal/invalid-argument.js';

const invalid = invalidOptionOf('purge option');

/**
 * The shortest retention the CLI and the service accept without `--force` (one day): a shorter
 * one is almost always a unit mistake, and it leaves nothing to restore from after a bad day.
 * The library itself accepts any retention (tests and embedders may want seconds).
 */
export const MIN_RETENTION_MS = 86_400_000;

/** Options of {@link purgeRepository}. */
export interface PurgeOptions {
  /** The repository (purge takes its writer lock unless `dryRun`). */
  repository: Repository;
  /** Keep item versions and deletions for this long, in ms; 0 keeps them forever. */
  retentionMs: number;
  /** Remove accounts deleted on the server this long ago, in ms; 0 keeps them forever. Default: `retentionMs`. */
  deletedAccountsRetentionMs?: number;
  /** Compute and report everything, change nothing (takes no lock). Default false. */
  dryRun?: boolean;
  /** The current time, ms since the epoch. Default `Date.now()`. */
  now?: number;
  /** Blob deletions and journal reads at once. Default: the backend's `maxConnections`. */
  concurrency?: number;
  /** Writer-lock options (owner defaults to 'purge'). */
  lock?: LockOptions;
  /** Format v2: rewrite packs whose live fraction (live bytes / pack size) is below this. Default 0.5. */
  repackBelow?: number;
  /**
   * Format v2: packs no index file names are deleted once this old (ms, from the time in their
   * name); younger ones may be a concurrent writer's pack awaiting its index. Default 3600000.
   */
  orphanGraceMs?: number;
  /**
   * A writer lock the caller already holds (e.g. `BackupEngine.exclusive` beside real-time
   * capture); purge then takes no lock of its own and leaves this one held. The caller
   * guarantees nothing else writes journals meanwhile.
   */
  heldLock?: RepositoryLock;
  /** Progress events. */
  onProgress?: (p: PurgeProgress) => void;
  /** Aborts between steps; what is done stays consistent. */
  signal?: AbortSignal;
}

/** What {@link purgeRepository} removed (or, in a dry run, would remove). */
export interface PurgeResult {
  /** True when nothing was changed. */
  dryRun: boolean;
  /** Records captured at or before this instant were subject to retention (absent: retention 0). */
  cutoffMs?: number;
  /** Journals rewritten (or that would be). */
  accountsCompacted: number;
  /** Item versions removed. */
  versionsRemoved: number;
  /** Delete records removed (items deleted before the cutoff, gone with all their versions). */
  deletesRemoved: number;
  /** Other records removed (old account snapshots, resync markers). */
  otherRecordsRemoved: number;
  /** zimbraIds of deleted accounts removed past their retention. */
  accountsRemoved: string[];
  /** Objects of those accounts removed. */
  accountObjectsRemoved: number;
  /** Unreferenced blobs removed. */
  blobsRemoved: number;
  /** Blobs still referenced. */
  blobsKept: number;
  /** Stored bytes of the removed blobs. */
  blobBytesReclaimed: number;
  /** Stored bytes of the removed account objects. */
  accountBytesReclaimed: number;
  /** Total stored bytes reclaimed (journal rewrites not counted). */
  bytesReclaimed: number;
  /** Format v2: packs deleted because no live blob remained in them. */
  packsDeleted?: number;
  /** Format v2: packs rewritten (their live blobs copied to new packs, the old pack deleted). */
  packsRewritten?: number;
  /** Format v2: live bytes copied by those rewrites. */
  bytesRewritten?: number;
  /** Format v2: packs no index file named, deleted after the grace period. */
  orphanPacksDeleted?: number;
  /** Wall time in ms. */
  durationMs: number;
}

/**
 * Removes what the retention no longer needs, then garbage-collects unreferenced blobs.
 * @example
 * ```ts
 * const r = await purgeRepository({ repository: repo, retentionMs: 30 * 86_400_000 });
 * console.log(`${r.blobsRemoved} blobs, ${(r.bytesReclaimed / 1e6).toFixed(1)} MB reclaimed`);
 * ```
 * @throws `ZB_LOCK_HELD` while a backup (or another writer) holds the lock; `ZB_JOURNAL_CORRUPT`
 *   when a journal is damaged (nothing is changed: run `check`); `ZB_CONFLICT` when the journals
 *   changed between mark and sweep (nothing deleted); `ZB_LOCK_LOST`; `ZB_INVALID_ARGUMENT`.
 */
export async function purgeRepository(opts: PurgeOptions): Promise<PurgeResult> {
  const { repository, signal } = opts;
  if (!repository?.blobs) throw invalid('repository', 'is required');
  const retentionMs = opts.retentionMs;
  const accountRetentionMs = opts.deletedAccountsRetentionMs ?? retentionMs;
  if (!Number.isSafeInteger(retentionMs) || retentionMs < 0)
    throw invalid('retentionMs', 'must be a non-negative integer (0 = forever)');
  if (!Number.isSafeInteger(accountRetentionMs) || accountRetentionMs < 0)
    throw invalid('deletedAccountsRetentionMs', 'must be a non-negative integer (0 = forever)');
  const concurrency = opts.concurrency ?? repository.backend.properties.maxConnections;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw invalid('concurrency', 'must be a positive integer');
  const dryRun = opts.dryRun === true;
  const now = opts.now ?? Date.now();
  const repackBelow = opts.repackBelow ?? 0.5;
  if (typeof repackBelow !== 'number' || !(repackBelow >= 0 && repackBelow <= 1))
    throw invalid('repackBelow', 'must be a number from 0 to 1');
  const orphanGraceMs = opts.orphanGraceMs ?? 3_600_000;
  if (!Number.isSafeInteger(orphanGraceMs) || orphanGraceMs < 0)
    throw invalid('orphanGraceMs', 'must be a non-negative integer');
  const started = performance.now();
  const result: PurgeResult = {
    dryRun,
    accountsCompacted: 0,
    versionsRemoved: 0,
    deletesRemoved: 0,
    otherRecordsRemoved: 0,
    accountsRemoved: [],
    accountObjectsRemoved: 0,
    blobsRemoved: 0,
    blobsKept: 0,
    blobBytesReclaimed: 0,
    accountBytesReclaimed: 0,
    bytesReclaimed: 0,
    durationMs: 0,
  };
  if (retentionMs > 0) result.cutoffMs = now - retentionMs;
  const ownLock = !dryRun && !opts.heldLock;
  const lock = dryRun
    ? undefined
    : (opts.heldLock ?? (await repository.lock({ owner: 'purge', ...opts.lock, ...(signal ? { signal } : {}) })));
  if (ownLock) lock?.startHeartbeat();
  lock?.assertHeld();
  try {
    const index = await repository.accounts(signal);
    const ids = await listAccountIds(repository, signal);
    // Pass 1 opens every journal (one at a time: memory stays one account's state) before
    // anything changes, so a damaged one stops the purge with nothing done.
    const removals: string[] = [];
    for (const [i, id] of ids.entries()) {
      await withJournal(repository, id, true, signal, async (j) => {
        if (accountRetentionMs > 0 && isExpired(index, id, j, now - accountRetentionMs)) removals.push(id);
      });
      opts.onProgress?.({ phase: 'plan', loaded: i + 1, total: ids.length, unit: 'accounts' });
    }
    const removed = new Set(removals);
    const kept = ids.filter((id) => !removed.has(id));
    const marked = new Set<string>();
    let done = 0;
    for (const id of kept) {
      throwIfAborted(signal);
      lock?.assertHeld();
      await withJournal(repository, id, dryRun, signal, (j) => applyRetention(j, result, marked, dryRun, signal));
      opts.onProgress?.({ phase: 'compact', loaded: ++done, total: kept.length, unit: 'accounts' });
    }
    await removeAccounts(repository, removals, index, result, dryRun, lock, opts.onProgress, signal);
    // Taken before the mark: a commit slipping in between mark and sweep changes it.
    const fingerprint = dryRun ? '' : await journalFingerprint(repository, signal);
    // Candidates are listed before the mark, so a blob written after this point is never one.
    const packs = repository.blobs.packs;
    const candidates = packs ? [] : await listBlobs(repository, signal);
    if (!dryRun) {
      // The mark reads what is stored now (after compaction), not what we meant to keep.
      marked.clear();
      done = 0;
      for (const id of kept) {
        await withJournal(repository, id, true, signal, (j) => markDigests(j, marked, signal));
        opts.onProgress?.({ phase: 'mark', loaded: ++done, total: kept.length, unit: 'accounts' });
      }
    }
    if (packs) {
      const gc = await collectPacks({
        repository,
        packs,
        marked,
        dryRun,
        lock,
        recheck: () => (lock ? recheck(repository, lock, fingerprint, signal) : Promise.resolve()),
        repackBelow,
        orphanGraceMs,
        now,
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        ...(signal ? { signal } : {}),
      });
      result.blobsRemoved = gc.blobsRemoved;
      result.blobsKept = gc.blobsKept;
      result.blobBytesReclaimed = gc.bytesReclaimed;
      result.packsDeleted = gc.packsDeleted;
      result.packsRewritten = gc.packsRewritten;
      result.bytesRewritten = gc.bytesRewritten;
      result.orphanPacksDeleted = gc.orphanPacksDeleted;
    } else
      await sweep(
        repository,
        candidates,
        marked,
        fingerprint,
        result,
        dryRun,
        lock,
        concurrency,
        opts.onProgress,
        signal,
      );
  } finally {
    if (ownLock) await lock?.release();
  }
  result.bytesReclaimed = result.blobBytesReclaimed + result.accountBytesReclaimed;
  result.durationMs = Math.round(performance.now() - started);
  return result;
}

/** Opens one journal, runs `fn`, closes it; a damaged journal stops the purge. */
async function withJournal<T>(
  repository: Repository,
  id: string,
  readOnly: boolean,
  signal: AbortSignal | undefined,
  fn: (j: Journal) => Promise<T>,
): Promise<T> {
  let journal: Journal;
  try {
    journal = await repository.journal(id, { readOnly, ...(signal ? { signal } : {}) });
  } catch (err) {
    if (!isZimbraBackupError(err, 'ZB_JOURNAL_CORRUPT')) throw err;
    throw new ZimbraBackupError(`purge refused: the journal of account ${id} is damaged (run zimbra-backup check)`, {
      code: 'ZB_JOURNAL_CORRUPT',
      cause: err,
      data: { accountId: id, ...(err as ZimbraBackupError).data },
    });
  }
  try {
    return await fn(journal);
  } finally {
    await journal.close();
  }
}

/** Adds every blob digest the journal references (all kept versions) to `into`. */
async function markDigests(journal: Journal, into: Set<string>, signal?: AbortSignal): Promise<void> {
  for await (const r of journal.records(signal ? { signal } : {})) for (const d of recordDigests(r)) into.add(d);
}

/** A deleted account is past its retention when the server stopped listing it at or before `cutoff`. */
function isExpired(index: readonly AccountIndexEntry[], id: string, journal: Journal, cutoff: number): boolean {
  const entry = index.find((e) => e.id.toLowerCase() === id);
  if (entry) return entry.deletedMs !== undefined && entry.deletedMs <= cutoff;
  // No index entry (lost, or a removal interrupted after the entry went): trust the journal marker.
  const state = journal.current();
  return state.accountDeleted && journal.stats().lastCaptureMs <= cutoff;
}

async function applyRetention(
  journal: Journal,
  result: PurgeResult,
  marked: Set<string>,
  dryRun: boolean,
  signal?: AbortSignal,
): Promise<void> {
  const cutoff = result.cutoffMs;
  if (cutoff === undefined) {
    if (dryRun) await markDigests(journal, marked, signal);
    return;
  }
  const rule = retentionRule(await journal.stateAt(cutoff, signal ? { signal } : {}), cutoff);
  const counts = { 'drop-version': 0, 'drop-delete': 0, 'drop-other': 0 };
  for await (const r of journal.records(signal ? { signal } : {})) {
    const verdict = rule(r);
    if (verdict !== 'keep') counts[verdict] += 1;
    else if (dryRun) for (const d of recordDigests(r)) marked.add(d);
  }
  const dropped = counts['drop-version'] + counts['drop-delete'] + counts['drop-other'];
  if (dropped === 0) return;
  result.accountsCompacted += 1;
  result.versionsRemoved += counts['drop-version'];
  result.deletesRemoved += counts['drop-delete'];
  result.otherRecordsRemoved += counts['drop-other'];
  if (!dryRun) await journal.compact({ keep: (r) => rule(r) === 'keep', ...(signal ? { signal } : {}) });
}

/**
 * Removes expired accounts: every object below `accounts/<id>/`, journal segments newest first
 * (an interruption leaves a readable, older journal prefix), then their index entries.
 */
async function removeAccounts(
  repository: Repository,
  ids: string[],
  index: AccountIndexEntry[],
  result: PurgeResult,
  dryRun: boolean,
  lock: RepositoryLock | undefined,
  onProgress: PurgeOptions['onProgress'],
  signal?: AbortSignal,
): Promise<void> {
  const io = signal ? { signal } : {};
  let done = 0;
  for (const id of ids) {
    const objects: Array<{ key: string; size: number }> = [];
    for await (const o of repository.backend.list(accountPrefix(id), io)) objects.push(o);
    objects.sort((a, b) => rank(a.key) - rank(b.key) || b.key.localeCompare(a.key));
    for (const o of objects) {
      if (!dryRun) {
        lock?.assertHeld();
        await repository.backend.delete(o.key, io).catch((err: unknown) => {
          if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) throw err;
        });
      }
      result.accountObjectsRemoved += 1;
      result.accountBytesReclaimed += o.size;
    }
    result.accountsRemoved.push(id);
    onProgress?.({ phase: 'accounts', loaded: ++done, total: ids.length, unit: 'accounts' });
  }
  if (!dryRun && ids.length > 0) {
    lock?.assertHeld();
    const gone = new Set(ids);
    await repository.writeAccounts(
      index.filter((e) => !gone.has(e.id.toLowerCase())),
      signal,
    );
  }
}

/** Deletion order inside an account: derived and side objects, then checkpoints, then segments. */
function rank(key: string): number {
  if (key.includes('/journal/segments/')) return 2;
  if (key.includes('/journal/checkpoints/')) return 1;
  return 0;
}

/** The segment keys of every journal: unchanged between mark and sweep means no commit slipped in. */
async function journalFingerprint(repository: Repository, signal?: AbortSignal): Promise<string> {
  const keys: string[] = [];
  for await (const { key } of repository.backend.list(ACCOUNTS_PREFIX, signal ? { signal } : {})) {
    if (key.includes('/journal/segments/')) keys.push(key);
  }
  return keys.sort().join('\n');
}

/** Every stored blob with its stored size. */
async function listBlobs(
  repository: Repository,
  signal?: AbortSignal,
): Promise<Array<{ digest: string; size: number }>> {
  const out: Array<{ digest: string; size: number }> = [];
  for await (const { key, size } of repository.backend.list(repository.blobs.layout.prefix, signal ? { signal } : {})) {
    const digest = repository.blobs.layout.parse(key);
    if (digest) out.push({ digest, size });
  }
  return out;
}

async function sweep(
  repository: Repository,
  candidates: ReadonlyArray<{ digest: string; size: number }>,
  marked: ReadonlySet<string>,
  fingerprint: string,
  result: PurgeResult,
  dryRun: boolean,
  lock: RepositoryLock | undefined,
  concurrency: number,
  onProgress: PurgeOptions['onProgress'],
  signal?: AbortSignal,
): Promise<void> {
  const garbage = candidates.filter((c) => !marked.has(c.digest));
  result.blobsKept = candidates.length - garbage.length;
  if (!dryRun && lock) await recheck(repository, lock, fingerprint, signal);
  const limit = pLimit(concurrency);
  let done = 0;
  await Promise.all(
    garbage.map((g) =>
      limit(async () => {
        throwIfAborted(signal);
        if (!dryRun) {
          lock?.assertHeld();
          try {
            await repository.blobs.delete(
              g.digest as Parameters<Repository['blobs']['delete']>[0],
              signal ? { signal } : {},
            );
          } catch (err) {
            if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) throw err;
          }
        }
        result.blobsRemoved += 1;
        result.blobBytesReclaimed += g.size;
        onProgress?.({ phase: 'sweep', loaded: ++done, total: garbage.length, unit: 'blobs' });
      }),
    ),
  );
}

/**
 * Before deleting anything: our lock object still exists and is the only one, and no journal
 * gained a segment since the mark. Any doubt stops the sweep with nothing deleted.
 */
async function recheck(
  repository: Repository,
  lock: RepositoryLock,
  fingerprint: string,
  signal?: AbortSignal,
): Promise<void> {
  await lock.refresh();
  const others = (await repository.locks()).filter((l) => l.id !== lock.id);
  if (others.length > 0) {
    throw new ZimbraBackupError(
      `another writer's lock appeared during purge (${others[0]!.owner} on ${others[0]!.host}); no blob deleted`,
      { code: 'ZB_LOCK_HELD', data: { lockId: others[0]!.id } },
    );
  }
  if ((await journalFingerprint(repository, signal)) !== fingerprint) {
    throw new ZimbraBackupError('journals changed between mark and sweep; no blob deleted (rerun purge)', {
      code: 'ZB_CONFLICT',
      data: { reason: 'journals-changed' },
    });
  }
}
