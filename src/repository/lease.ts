/**
 * Per-account journal leases: exactly one writer per account journal when several engines share
 * a repository under shared locks (lock.ts; docs/FORMAT.md, "Several writers").
 *
 * ```text
 * leases/<zimbraId>/<lockId>.json   one object per engine that holds the account
 * acquire: list the account's leases; one whose lock is live (present, heartbeat fresh) and not
 *          ours -> refused (another engine has it); the others are dead: deleted
 *          put ours; wait settleMs; list again: another live lease appeared -> delete ours, refused
 * a lease lives as long as its engine's lock: no heartbeat of its own; a lock that is released,
 * stale, or whose holder is a dead process on this host makes all its leases dead.
 * ```
 * Same write-then-read-back as the lock: two engines racing may both back off (the account waits
 * for the next run), never both proceed, provided listing is read-after-write consistent.
 * @module
 */
import { isZimbraBackupError } from '../errors.js';
import { abortableSleep } from '../internal/abortable-sleep.js';
import { safeSegment, safeZimbraId } from '../internal/safe-id.js';
import { type StorageBackend, bufferBody } from '../store/backends/backend.js';
import { readLocks, type LockOptions } from './lock.js';

/** Where leases live. */
export const LEASES_PREFIX = 'leases/';

/** Key of one engine's lease on one account. */
export function leaseKey(zimbraId: string, lockId: string): string {
  return `${LEASES_PREFIX}${safeZimbraId(zimbraId)}/${safeSegment(lockId, 'lockId')}.json`;
}

/** Options of {@link acquireLease}: how locks are judged live (as for the lock itself). */
export interface LeaseOptions extends Pick<
  LockOptions,
  'staleAfterMs' | 'heartbeatMs' | 'host' | 'pid' | 'isProcessAlive' | 'now'
> {
  /** Wait between writing the lease and re-reading the others, in ms. Default 0. */
  settleMs?: number;
  signal?: AbortSignal;
}

/**
 * Takes `lockId`'s lease on the account's journal.
 * @returns true when held (also when already ours); false when a live engine holds it.
 */
export async function acquireLease(
  backend: StorageBackend,
  zimbraId: string,
  lockId: string,
  opts: LeaseOptions = {},
): Promise<boolean> {
  const prefix = `${LEASES_PREFIX}${safeZimbraId(zimbraId)}/`;
  const live = async (): Promise<Set<string>> => {
    const locks = await readLocks(backend, opts);
    return new Set(locks.filter((l) => !l.stale).map((l) => l.id));
  };
  const holders = async (): Promise<string[]> => {
    const out: string[] = [];
    for await (const { key } of backend.list(prefix, opts.signal ? { signal: opts.signal } : {})) {
      const m = /([^/]+)\.json$/.exec(key);
      if (m) out.push(m[1]!);
    }
    return out;
  };
  const alive = await live();
  let mine = false;
  for (const id of await holders()) {
    if (id === lockId) mine = true;
    else if (alive.has(id)) return false;
    // A dead engine's lease: its lock is gone or stale, so it writes no more (it stops at its
    // next assertHeld); taking the account over is safe.
    else await del(backend, leaseKey(zimbraId, id));
  }
  if (mine) return true;
  const body = Buffer.from(
    `${JSON.stringify({ format: 'zimbra-backup-lease', version: 1, lockId, account: zimbraId })}\n`,
  );
  const key = leaseKey(zimbraId, lockId);
  await backend.put(key, bufferBody(body));
  if (opts.settleMs) await abortableSleep(opts.settleMs, opts.signal);
  const again = await live();
  if ((await holders()).some((id) => id !== lockId && again.has(id))) {
    await del(backend, key);
    return false;
  }
  return true;
}

/** Gives a lease up (idempotent). */
export async function releaseLease(backend: StorageBackend, zimbraId: string, lockId: string): Promise<void> {
  await del(backend, leaseKey(zimbraId, lockId));
}

async function del(backend: StorageBackend, key: string): Promise<void> {
  await backend.delete(key).catch((err: unknown) => {
    if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) throw err;
  });
}
