/**
 * `check --repair`: moves damaged blobs aside into `quarantine/` and marks the items whose
 * current version references a damaged or missing blob, so the next backup downloads them again.
 *
 * The mark is a `refetch` entry in the account's cursor state (`CursorState.retry`), committed
 * as an empty journal batch under the writer lock: the backup engine retries listed ids on its
 * next run and, for `refetch` entries, skips its "unchanged" shortcuts. The re-download has the
 * same digest when the server still holds the same content, so it recreates the blob for every
 * version and account that references it (dedup across accounts).
 * @module
 */
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { isZimbraBackupError } from '../errors.js';
import { cursorStateOf, type CursorState } from '../repository/cursor-state.js';
import type { ItemKind, JsonValue } from '../journal/types.js';
import { compactTime, quarantineKey } from '../repository/layout.js';
import type { LockOptions, RepositoryLock } from '../repository/lock.js';
import type { Repository } from '../repository/repository.js';
import { parseDigest } from '../store/digest.js';
import type { AffectedAccount, CheckProblem, CheckProgress } from './types.js';

/** Wire item types the backup engine refetches, by journal kind (contacts, folders have no blob). */
const WIRE_TYPE: Partial<Record<ItemKind, string>> = {
  message: 'message',
  appointment: 'appointment',
  task: 'task',
  document: 'document',
};

/** Options of {@link repairProblems}. */
export interface RepairOptions {
  repository: Repository;
  /** Problems found by the check; blob errors get a `repair` field. */
  problems: CheckProblem[];
  lock?: LockOptions;
  /** A writer lock the caller already holds (see `PurgeOptions.heldLock`); not released here. */
  heldLock?: RepositoryLock;
  signal?: AbortSignal;
  onProgress?: (p: CheckProgress) => void;
}

/** Repairs what can be repaired, under the writer lock. Mutates `problems[i].repair`. */
export async function repairProblems(opts: RepairOptions): Promise<void> {
  const { repository, signal } = opts;
  const lock =
    opts.heldLock ?? (await repository.lock({ owner: 'check-repair', ...opts.lock, ...(signal ? { signal } : {}) }));
  if (!opts.heldLock) lock.startHeartbeat();
  lock.assertHeld();
  try {
    const blobProblems = opts.problems.filter(
      (p) =>
        p.severity === 'error' &&
        p.digest !== undefined &&
        (p.kind === 'missing-blob' || p.kind === 'corrupt-blob' || p.kind === 'size-mismatch'),
    );
    let done = 0;
    for (const p of blobProblems) {
      lock.assertHeld();
      p.repair = { refetch: [], healable: false };
      if (p.kind !== 'missing-blob') {
        // Quick mode cannot tell a damaged blob from a wrong journal size: re-hash before moving it.
        if (p.kind === 'size-mismatch' && (await verifies(repository, p.digest as string, signal))) {
          p.repair.note = 'the blob verifies: only the size recorded in the journal is off; nothing to repair';
          continue;
        }
        p.repair.quarantineKey = await quarantine(repository, p.digest as string, signal);
      } else if (repository.blobs.packs) {
        // Format v2: an index entry whose pack is gone would make the next backup skip the blob.
        await forgetIndexEntry(repository, p.digest as string, signal);
      }
      opts.onProgress?.({ phase: 'repair', loaded: ++done, total: blobProblems.length, unit: 'blobs' });
    }
    await markRefetch(
      repository,
      lock,
      blobProblems.filter((p) => p.repair?.note === undefined),
      signal,
    );
    for (const p of blobProblems) {
      if (!p.repair || p.repair.note !== undefined) continue;
      p.repair.healable = p.repair.refetch.length > 0;
      if (!p.repair.healable)
        p.repair.note =
          'no current item references this blob: only past versions did, and the server no longer has them';
    }
  } finally {
    if (!opts.heldLock) await lock.release();
  }
}

/** True when the blob re-hashes to its digest. */
async function verifies(repository: Repository, digest: string, signal?: AbortSignal): Promise<boolean> {
  try {
    const stream = await repository.blobs.get(parseDigest(digest), signal ? { signal } : {});
    for await (const _ of stream) void _;
    return true;
  } catch (err) {
    if (isZimbraBackupError(err, 'ZB_ABORTED')) throw err;
    return false;
  }
}

/**
 * Copies the raw object to `quarantine/blob-<digest>-<time>` and deletes the original. The
 * backends have no rename; copy-then-delete means a crash leaves the blob in both places (the
 * next check finds it damaged again and repeats), never in neither.
 */
export async function quarantine(repository: Repository, digest: string, signal?: AbortSignal): Promise<string> {
  const backend = repository.backend;
  // Named by the stored id: in an encrypted repository a key must not reveal a content digest.
  const to = quarantineKey(`blob-${repository.blobs.packs?.idOf(digest) ?? digest}-${compactTime(new Date())}`);
  const io = signal ? { signal } : {};
  const packs = repository.blobs.packs;
  if (packs) {
    // Format v2: copy the object's range out of its pack, then drop its index entry so the next
    // backup stores the content again (the pack itself is rewritten by a later purge).
    await packs.reload(io);
    const loc = packs.locate(packs.idOf(digest));
    if (!loc) return to;
    const range = { ...io, offset: loc.offset, length: loc.length };
    if (await backend.stat(packs.packKey(loc.pack), io))
      await backend.put(to, { size: loc.length, open: () => rangeStream(backend, packs.packKey(loc.pack), range) }, io);
    await forgetIndexEntry(repository, digest, signal);
    return to;
  }
  const from = repository.blobs.layout.key(parseDigest(digest));
  const st = await backend.stat(from, io);
  if (!st) return to;
  const open = (): Readable => {
    const out = new PassThrough();
    backend.get(from, io).then(
      (src) => pipeline(src, out, () => {}),
      (err: unknown) => out.destroy(err as Error),
    );
    return out;
  };
  await backend.put(to, { size: st.size, open }, io);
  await backend.delete(from, io).catch((err: unknown) => {
    if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) throw err;
  });
  return to;
}

/** Format v2: rewrites the index without `digest` (the next backup then stores the content again). */
async function forgetIndexEntry(repository: Repository, digest: string, signal?: AbortSignal): Promise<void> {
  const packs = repository.blobs.packs;
  if (!packs) return;
  const io = signal ? { signal } : {};
  await packs.reload(io);
  const id = packs.idOf(digest);
  if (!packs.locate(id)) return;
  const entries = [...packs.table.entries()].filter(([d]) => d !== id);
  await packs.replaceIndex(entries, [...packs.indexFiles], io);
}

function rangeStream(backend: Repository['backend'], key: string, range: { offset: number; length: number }): Readable {
  const out = new PassThrough();
  backend.get(key, range).then(
    (src) => pipeline(src, out, () => {}),
    (err: unknown) => out.destroy(err as Error),
  );
  return out;
}

/** Adds refetch entries to the cursor state of each affected account (one empty commit per account). */
async function markRefetch(
  repository: Repository,
  lock: RepositoryLock,
  problems: CheckProblem[],
  signal?: AbortSignal,
): Promise<void> {
  const byAccount = new Map<string, Array<{ problem: CheckProblem; items: string[] }>>();
  for (const p of problems) {
    for (const a of p.accounts) {
      const list = byAccount.get(a.id) ?? [];
      list.push({ problem: p, items: a.items });
      byAccount.set(a.id, list);
    }
  }
  for (const [accountId, entries] of byAccount) {
    lock.assertHeld();
    const journal = await repository.journal(accountId, signal ? { signal } : {});
    try {
      const current = journal.current();
      const state: CursorState = cursorStateOf(journal.lastState());
      const retry = [...(state.retry ?? [])];
      for (const { problem, items } of entries) {
        const marked: AffectedAccount = { id: accountId, items: [] };
        for (const id of items) {
          const cur = current.items.get(id);
          const type = cur ? WIRE_TYPE[cur.kind] : undefined;
          if (!cur || cur.digest !== problem.digest || type === undefined) continue;
          const entry = { id, type, attempts: 0, error: `check: ${problem.kind} ${problem.digest}`, refetch: true };
          const at = retry.findIndex((r) => r.id === id);
          if (at >= 0) retry[at] = entry;
          else retry.push(entry);
          marked.items.push(id);
        }
        if (marked.items.length > 0) problem.repair?.refetch.push(marked);
      }
      if (retry.length === (state.retry?.length ?? 0) && retry.every((r, i) => r === state.retry?.[i])) continue;
      lock.assertHeld();
      await journal.commit([], { state: { ...state, retry } as unknown as JsonValue, ...(signal ? { signal } : {}) });
    } finally {
      await journal.close();
    }
  }
}
