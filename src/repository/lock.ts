/**
 * The writer lock (DESIGN.md invariant 6; restic `lock.go`): one writer per repository, readers
 * never lock. Engines limited to a part of the accounts (shard, mail servers) take it `shared`:
 * shared locks coexist, each engine then holds a lease per account journal it writes
 * (lease.ts); an `exclusive` lock (the default; purge, repair, migrate, a full backup) coexists
 * with no other lock. A lock object without a mode (older versions) is exclusive.
 *
 * acquire:
 *   read every locks/*.json; any conflicting lock (live or stale) -> ZB_LOCK_HELD naming the holders
 *   put locks/<new id>.json            (a key of our own: no overwrite race)
 *   wait settleMs, read locks/ again; another lock appeared -> delete ours, ZB_LOCK_HELD
 *   heartbeat: every heartbeatMs re-put ours with a fresh time; gone -> lost (ZB_LOCK_LOST)
 * Object stores (and s3rver) have no create-if-absent, hence write-then-read-back: two writers
 * racing both see each other and both back off; at most one can win provided listing is
 * read-after-write consistent (local files, AWS S3 since 2020). A lock is stale when its heartbeat
 * is older than staleAfterMs, or its holder is a dead process on this host. A lock whose holder is
 * certainly gone (a process of this host that no longer runs, e.g. after kill -9) is removed by
 * acquireLock, so a crashed backup resumes by itself; other stale locks (expired heartbeat, another
 * host, unreadable) still block until broken explicitly ({@link breakLock}).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ZimbraBackupError, isZimbraBackupError, throwIfAborted } from '../errors.js';
import { abortableSleep } from '../internal/abortable-sleep.js';
import { resolveLogger, type Logger } from '../internal/logger.js';
import { type StorageBackend, bufferBody } from '../store/backends/backend.js';
import { LOCKS_PREFIX, compactTime, lockIdOfKey, lockKey } from './layout.js';

/** What a lock object says about its holder. */
export interface LockInfo {
  /** Lock id (the key is `locks/<id>.json`). */
  id: string;
  /** Free-form label of the holder, e.g. `'backup'` or `'purge'`. */
  owner: string;
  /** `shared` (a partial engine) or `exclusive` (everything else, and locks written without a mode). */
  mode: LockMode;
  /** The holder's account selection label (shared locks), e.g. `shard-1of3`. */
  selection?: string;
  /** Host name of the holder. */
  host: string;
  /** Process id of the holder. */
  pid: number;
  /** When the lock was taken, ms since the epoch. */
  createdMs: number;
  /** Last heartbeat, ms since the epoch. */
  heartbeatMs: number;
  /** True when the lock is stale (see the module doc). */
  stale: boolean;
  /** True when the holder ran on this host and is no longer running: the lock is certainly abandoned. */
  holderDead: boolean;
}

/** How a lock coexists with others: shared locks with each other, exclusive ones with none. */
export type LockMode = 'shared' | 'exclusive';

/** Options of {@link acquireLock} and `Repository.lock`. */
export interface LockOptions {
  /** Default: 'exclusive'. */
  mode?: LockMode;
  /** Label of the holder's account selection, recorded in a shared lock for `status` and error messages. */
  selection?: string;
  /** Label of the holder shown to others. Default: 'zimbra-backup'. */
  owner?: string;
  /** A lock whose heartbeat is older than this is stale, in ms. Default: 1800000 (30 min, as restic). */
  staleAfterMs?: number;
  /** Heartbeat period, in ms; must be well under `staleAfterMs`. Default: 60000. */
  heartbeatMs?: number;
  /** Wait between writing our lock and re-reading the others, in ms. Default: 0 (read-after-write backends). */
  settleMs?: number;
  /** Host name recorded in the lock. Default: `os.hostname()`. */
  host?: string;
  /** Process id recorded in the lock. Default: this process. */
  pid?: number;
  /** Liveness probe for holders on this host. Default: `process.kill(pid, 0)`. */
  isProcessAlive?: (pid: number) => boolean;
  /** Called once if the lock is lost (broken by someone else, or the heartbeat keeps failing). */
  onLost?: (err: ZimbraBackupError) => void;
  /** Clock, ms since the epoch. Default: `Date.now`. */
  now?: () => number;
  /** Aborts acquisition. */
  signal?: AbortSignal;
  /** Logs heartbeats and failures. Default: silent. */
  logger?: Logger | false;
}

/** A held writer lock; call {@link RepositoryLock.release} in a `finally`. */
export class RepositoryLock {
  /** This lock's id. */
  readonly id: string;
  /** This lock's mode. */
  readonly mode: LockMode;
  /** Object key of this lock. */
  readonly key: string;
  readonly #backend: StorageBackend;
  readonly #opts: NormalizedLockOptions;
  readonly #createdMs: number;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #lost: ZimbraBackupError | undefined;
  #released = false;
  #beat: Promise<void> = Promise.resolve();
  /** Time (our clock) written in the last lock object that reached the backend. */
  #lastBeatMs: number;

  /** @internal Use {@link acquireLock} or `Repository.lock`. */
  constructor(backend: StorageBackend, id: string, createdMs: number, opts: NormalizedLockOptions) {
    this.#backend = backend;
    this.id = id;
    this.mode = opts.mode ?? 'exclusive';
    this.key = lockKey(id);
    this.#createdMs = createdMs;
    this.#lastBeatMs = createdMs;
    this.#opts = opts;
    this.#log = resolveLogger(opts.logger);
  }

  /** True once the lock was lost; writers must stop (see {@link RepositoryLock.assertHeld}). */
  get lost(): boolean {
    return this.#lost !== undefined;
  }

  /**
   * Throws `ZB_LOCK_LOST` when the lock was lost or released: call before each commit. Also when
   * the last heartbeat that reached the backend is older than half the stale time (by this
   * process's clock): others may soon call the lock stale and take its accounts over, so the
   * holder stops first. This fences a process that was frozen (SIGSTOP, a paused VM) and resumes
   * before its heartbeat timer could notice.
   */
  assertHeld(): void {
    if (this.#lost) throw this.#lost;
    if (this.#released)
      throw new ZimbraBackupError('the repository lock was released', {
        code: 'ZB_LOCK_LOST',
        data: { lockId: this.id },
      });
    const age = this.#opts.now() - this.#lastBeatMs;
    if (age > this.#opts.staleAfterMs / 2) {
      const err = new ZimbraBackupError(
        `the repository lock's last heartbeat is ${Math.round(age / 1000)} s old (stale after ${Math.round(this.#opts.staleAfterMs / 1000)} s): another process may take over; stopping`,
        { code: 'ZB_LOCK_LOST', data: { lockId: this.id, heartbeatAgeMs: age } },
      );
      this.#markLost(err);
      throw err;
    }
  }

  /** Writes the lock object with a fresh heartbeat; detects a lock broken by someone else. */
  async refresh(): Promise<void> {
    this.assertHeld();
    if (!(await this.#backend.stat(this.key))) {
      this.#markLost(
        new ZimbraBackupError('the repository lock was removed by someone else', {
          code: 'ZB_LOCK_LOST',
          data: { lockId: this.id },
        }),
      );
      this.assertHeld();
    }
    const at = this.#opts.now();
    await writeLock(this.#backend, this.key, this.#body(at));
    this.#lastBeatMs = at;
  }

  /** Stops the heartbeat and deletes the lock object (idempotent). */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#beat.catch(() => {});
    // Each holder has its own key, so deleting ours never removes a successor's lock.
    await this.#backend.delete(this.key).catch((err: unknown) => {
      if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND') && !this.#lost) throw err;
    });
  }

  /** @internal Starts the heartbeat timer (unref'd: it never keeps the process alive). */
  startHeartbeat(): void {
    let failures = 0;
    this.#timer = setInterval(() => {
      this.#beat = this.refresh().then(
        () => {
          failures = 0;
        },
        (err: unknown) => {
          failures++;
          this.#log.warn(
            { lockId: this.id, failures, code: (err as { code?: unknown }).code },
            'lock heartbeat failed',
          );
          // Three missed beats is still far below the default stale time (30 beats).
          if (!this.#lost && failures >= 3) {
            this.#markLost(
              new ZimbraBackupError('lost the repository lock: heartbeat keeps failing', {
                code: 'ZB_LOCK_LOST',
                cause: err,
                data: { lockId: this.id },
              }),
            );
          }
        },
      );
    }, this.#opts.heartbeatMs);
    this.#timer.unref?.();
  }

  /** @internal The lock object's JSON. */
  #body(heartbeatMs: number): Record<string, unknown> {
    const { owner, host, pid } = this.#opts;
    return {
      format: 'zimbra-backup-lock',
      version: 1,
      id: this.id,
      owner,
      mode: this.mode,
      ...(this.#opts.selection !== undefined ? { selection: this.#opts.selection } : {}),
      host,
      pid,
      created: new Date(this.#createdMs).toISOString(),
      createdMs: this.#createdMs,
      heartbeat: new Date(heartbeatMs).toISOString(),
      heartbeatMs,
    };
  }

  /** @internal First write of the lock object. */
  async write(): Promise<void> {
    await writeLock(this.#backend, this.key, this.#body(this.#createdMs));
  }

  #markLost(err: ZimbraBackupError): void {
    if (this.#lost) return;
    this.#lost = err;
    if (this.#timer) clearInterval(this.#timer);
    this.#log.error({ lockId: this.id }, err.message);
    this.#opts.onLost?.(err);
  }
}

/**
 * Takes the writer lock of the repository stored in `backend`.
 * @throws `ZB_LOCK_HELD` naming the holder (host, pid, start, last heartbeat, `data.stale`).
 */
export async function acquireLock(backend: StorageBackend, options: LockOptions = {}): Promise<RepositoryLock> {
  const opts = normalize(options);
  throwIfAborted(opts.signal);
  const existing: LockInfo[] = [];
  for (const l of await readLocks(backend, opts)) {
    if (!l.holderDead) {
      existing.push(l);
      continue;
    }
    // Its holder cannot write any more (same host, process gone), so nothing can race us for it.
    resolveLogger(opts.logger).warn(
      { lockId: l.id, pid: l.pid, host: l.host },
      'removing the lock of a process that no longer runs',
    );
    await backend.delete(lockKey(l.id)).catch((err: unknown) => {
      if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) throw err;
    });
  }
  const mode = opts.mode ?? 'exclusive';
  const conflicts = (l: LockInfo): boolean => mode === 'exclusive' || l.mode === 'exclusive';
  if (existing.some(conflicts)) throw held(existing.filter(conflicts), mode);
  const createdMs = opts.now();
  const id = `${compactTime(new Date(createdMs))}-${randomBytes(8).toString('hex')}`;
  const lock = new RepositoryLock(backend, id, createdMs, opts);
  await lock.write();
  try {
    if (opts.settleMs) await abortableSleep(opts.settleMs, opts.signal);
    const rivals = (await readLocks(backend, opts)).filter((l) => l.id !== id && conflicts(l));
    if (rivals.length > 0) throw held(rivals, mode);
  } catch (err) {
    await backend.delete(lock.key).catch(() => {});
    throw err;
  }
  lock.startHeartbeat();
  return lock;
}

/** Reads every lock object; unreadable ones are reported as stale locks of an unknown holder. */
export async function readLocks(backend: StorageBackend, options: LockOptions = {}): Promise<LockInfo[]> {
  const opts = normalize(options);
  const out: LockInfo[] = [];
  for await (const { key } of backend.list(LOCKS_PREFIX, opts.signal ? { signal: opts.signal } : {})) {
    const id = lockIdOfKey(key);
    if (!id) continue;
    let raw: Record<string, unknown> | undefined;
    try {
      raw = JSON.parse((await readSmall(backend, key)).toString('utf8')) as Record<string, unknown>;
    } catch (err) {
      if (isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) continue; // released while we listed
      raw = undefined;
    }
    out.push(toInfo(id, raw, opts));
  }
  return out.sort((a, b) => a.createdMs - b.createdMs);
}

/** Options of {@link breakLock}. */
export interface BreakLockOptions extends LockOptions {
  /** Only this lock. Default: every stale lock. */
  lockId?: string;
  /** Also remove locks that are not stale (a live writer then continues unprotected!). Default: false. */
  force?: boolean;
}

/**
 * Removes stale locks (or one named lock); a live lock is refused unless `force`.
 * @returns The locks removed.
 * @throws `ZB_LOCK_HELD` when the named lock is live and `force` is not set.
 */
export async function breakLock(backend: StorageBackend, options: BreakLockOptions = {}): Promise<LockInfo[]> {
  const removed: LockInfo[] = [];
  for (const info of await readLocks(backend, options)) {
    if (options.lockId !== undefined && info.id !== options.lockId) continue;
    if (!info.stale && !options.force) {
      if (options.lockId !== undefined) throw held([info], 'exclusive');
      continue;
    }
    await backend.delete(lockKey(info.id)).catch((err: unknown) => {
      if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) throw err;
    });
    removed.push(info);
  }
  return removed;
}

/** Lock options with defaults applied. */
export type NormalizedLockOptions = Required<
  Pick<LockOptions, 'owner' | 'host' | 'pid' | 'now' | 'heartbeatMs' | 'staleAfterMs' | 'isProcessAlive'>
> &
  LockOptions;

function normalize(o: LockOptions): NormalizedLockOptions {
  const staleAfterMs = o.staleAfterMs ?? 1_800_000;
  const heartbeatMs = o.heartbeatMs ?? 60_000;
  for (const [field, v] of Object.entries({ staleAfterMs, heartbeatMs, settleMs: o.settleMs ?? 0 })) {
    if (!Number.isInteger(v) || v < 0)
      throw new ZimbraBackupError(`${field} must be a non-negative integer (ms)`, {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field },
      });
  }
  if (heartbeatMs <= 0 || heartbeatMs >= staleAfterMs) {
    throw new ZimbraBackupError('heartbeatMs must be positive and below staleAfterMs', {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'heartbeatMs' },
    });
  }
  return {
    ...o,
    owner: (o.owner ?? 'zimbra-backup').slice(0, 200),
    host: o.host ?? hostname(),
    pid: o.pid ?? process.pid,
    now: o.now ?? Date.now,
    heartbeatMs,
    staleAfterMs,
    isProcessAlive: o.isProcessAlive ?? defaultIsAlive,
  };
}

function toInfo(id: string, raw: Record<string, unknown> | undefined, opts: NormalizedLockOptions): LockInfo {
  const num = (k: string): number => (typeof raw?.[k] === 'number' ? (raw[k] as number) : 0);
  const str = (k: string): string => (typeof raw?.[k] === 'string' ? (raw[k] as string).slice(0, 200) : 'unknown');
  const info = {
    id,
    owner: str('owner'),
    mode: (raw?.['mode'] === 'shared' ? 'shared' : 'exclusive') as LockMode,
    ...(typeof raw?.['selection'] === 'string' ? { selection: str('selection') } : {}),
    host: str('host'),
    pid: num('pid'),
    createdMs: num('createdMs'),
    heartbeatMs: num('heartbeatMs'),
  };
  const expired = opts.now() - info.heartbeatMs > opts.staleAfterMs;
  const deadHere =
    raw !== undefined &&
    info.host === opts.host &&
    info.pid > 0 &&
    info.pid !== opts.pid &&
    !opts.isProcessAlive(info.pid);
  return { ...info, stale: raw === undefined || expired || deadHere, holderDead: deadHere };
}

function held(holders: LockInfo[], wanted: LockMode): ZimbraBackupError {
  const l = holders[0]!;
  const describe = (h: LockInfo): string => {
    const since = h.createdMs ? new Date(h.createdMs).toISOString() : 'unknown';
    const beat = h.heartbeatMs ? new Date(h.heartbeatMs).toISOString() : 'unknown';
    const sel = h.selection !== undefined ? ` for ${h.selection}` : '';
    const shared = h.mode === 'shared' ? `, shared lock${sel}` : '';
    return `${h.owner} on ${h.host} (pid ${h.pid}, since ${since}, last heartbeat ${beat}${shared}${h.stale ? ', stale' : ''})`;
  };
  const hint = holders.some((h) => h.stale)
    ? '; a stale lock can be broken (breakLock / `zimbra-backup unlock`) once you are sure the holder is gone'
    : '';
  const why =
    wanted === 'exclusive' && holders.every((h) => h.mode === 'shared')
      ? ' (this needs the repository alone: stop the engines first)'
      : '';
  const since = l.createdMs ? new Date(l.createdMs).toISOString() : 'unknown';
  const beat = l.heartbeatMs ? new Date(l.heartbeatMs).toISOString() : 'unknown';
  return new ZimbraBackupError(`repository is locked by ${holders.map(describe).join('; ')}${why}${hint}`, {
    code: 'ZB_LOCK_HELD',
    data: {
      lockId: l.id,
      owner: l.owner,
      host: l.host,
      pid: l.pid,
      created: since,
      heartbeat: beat,
      stale: l.stale,
      mode: l.mode,
      holders: holders.map((h) => ({
        lockId: h.id,
        owner: h.owner,
        mode: h.mode,
        host: h.host,
        pid: h.pid,
        stale: h.stale,
      })),
    },
  });
}

function defaultIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as { code?: string }).code === 'EPERM';
  }
}

async function writeLock(backend: StorageBackend, key: string, body: Record<string, unknown>): Promise<void> {
  const bytes = Buffer.from(`${JSON.stringify(body)}\n`);
  // Durable (fsynced), unlike the capture status: exclusion itself needs no fsync (other processes
  // see the file at once), but a lock left empty or torn by a power loss is unreadable, and an
  // unreadable lock blocks every writer until `unlock` instead of being cleared as a dead holder's.
  await backend.put(key, bufferBody(bytes));
}

/** Reads a small object whole (lock objects are ~300 bytes; capped so a hostile one cannot exhaust memory). */
export async function readSmall(backend: StorageBackend, key: string, max = 64 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let len = 0;
  for await (const chunk of await backend.get(key)) {
    len += (chunk as Buffer).length;
    if (len > max)
      throw new ZimbraBackupError(`object ${key} exceeds ${max} bytes`, { code: 'ZB_TOO_LARGE', data: { key, max } });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, len);
}
