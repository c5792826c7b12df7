/**
 * Work that needs the writer lock, asked of the process that holds it. `watch` and `run` hold the
 * lock for their whole life; a `purge` (or `check --repair`, `backup --full`) started in another
 * process does not wait for them to stop: it writes a request object, the capturing process runs
 * the task inside its own lock (pausing commits, as its scheduled tasks do) and writes the answer
 * beside it. Only objects are exchanged, so it works the same on local disks and S3.
 *
 * ```text
 * requester: put requests/<id>.json {lockId of the holder, task, expiresMs}
 *            poll requests/<id>.result.json until it says done, the holder's lock is gone, or
 *            (not started yet) expiresMs; read it, delete both objects
 * holder:    every few seconds list requests/; for each request addressed to its lock id, not
 *            expired and without an answer: put the answer {done: false} (started: no expiry any
 *            more), run it, put the answer {done: true, ...}, delete the request
 * ```
 * The holder never runs a request addressed to another lock (a request outlives no capture, so an
 * abandoned one cannot run hours later in the next one) nor an expired one (it deletes those).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isZimbraBackupError, ZimbraBackupError } from '../errors.js';
import { type StorageBackend, bufferBody } from '../store/backends/backend.js';
import { compactTime, REQUESTS_PREFIX, requestIdOfKey, requestKey } from './layout.js';
import { readSmall } from './lock.js';

/** What a request asks for. */
export type RequestedTask =
  | { task: 'purge'; retentionMs: number; deletedAccountsRetentionMs?: number; dryRun?: boolean }
  | { task: 'check'; full: boolean; repair: boolean }
  | { task: 'smartscan' };

/** A task request object (`requests/<id>.json`). */
export interface TaskRequest {
  format: 'zimbra-backup-request';
  version: 1;
  id: string;
  /** The lock whose holder is asked (a request for another lock is never run). */
  lockId: string;
  spec: RequestedTask;
  requestedMs: number;
  /** Not run after this instant, ms since the epoch. */
  expiresMs: number;
  /** Who asked: host and pid. */
  host: string;
  pid: number;
}

/** The answer (`requests/<id>.result.json`). */
export interface TaskAnswer {
  format: 'zimbra-backup-request-result';
  version: 1;
  id: string;
  /** False while the task runs (the request was taken; it no longer expires). */
  done: boolean;
  ok: boolean;
  startedMs: number;
  durationMs: number;
  /** The task's own result (purge or check result), as JSON. */
  result?: unknown;
  error?: { code: string; message: string };
}

async function putJson(backend: StorageBackend, key: string, value: unknown, signal?: AbortSignal): Promise<void> {
  const bytes = Buffer.from(JSON.stringify(value));
  await backend.put(key, bufferBody(bytes), signal ? { signal } : {});
}

async function readJson(backend: StorageBackend, key: string): Promise<unknown> {
  try {
    return JSON.parse((await readSmall(backend, key, 4 * 1024 * 1024)).toString('utf8'));
  } catch (err) {
    if (isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) return undefined;
    if (err instanceof SyntaxError) return undefined; // torn or foreign: not a request we can serve
    throw err;
  }
}

async function deleteQuietly(backend: StorageBackend, key: string): Promise<void> {
  await backend.delete(key).catch((err: unknown) => {
    if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) throw err;
  });
}

/** Writes a request to the holder of `lockId`; it expires after `ttlMs`. */
export async function submitTaskRequest(
  backend: StorageBackend,
  spec: RequestedTask,
  opts: { lockId: string; ttlMs: number; now?: () => number; signal?: AbortSignal },
): Promise<TaskRequest> {
  const now = (opts.now ?? Date.now)();
  const req: TaskRequest = {
    format: 'zimbra-backup-request',
    version: 1,
    id: `${compactTime(new Date(now))}-${randomBytes(8).toString('hex')}`,
    lockId: opts.lockId,
    spec,
    requestedMs: now,
    expiresMs: now + opts.ttlMs,
    host: hostname(),
    pid: process.pid,
  };
  await putJson(backend, requestKey(req.id), req, opts.signal);
  return req;
}

function isRequest(v: unknown): v is TaskRequest {
  const r = v as Partial<TaskRequest> | undefined;
  return (
    r?.format === 'zimbra-backup-request' &&
    r.version === 1 &&
    typeof r.id === 'string' &&
    typeof r.lockId === 'string' &&
    typeof r.expiresMs === 'number' &&
    typeof r.spec === 'object' &&
    r.spec !== null &&
    ['purge', 'check', 'smartscan'].includes((r.spec as { task?: string }).task ?? '')
  );
}

/**
 * The requests addressed to `lockId` that have no answer yet, oldest first. Expired ones, and
 * answers older than a day (their requester is gone), are deleted on the way.
 */
export async function pendingTaskRequests(
  backend: StorageBackend,
  lockId: string,
  opts: { now?: () => number; signal?: AbortSignal } = {},
): Promise<TaskRequest[]> {
  const now = (opts.now ?? Date.now)();
  const requests = new Map<string, string>();
  const answered = new Set<string>();
  for await (const o of backend.list(REQUESTS_PREFIX, opts.signal ? { signal: opts.signal } : {})) {
    const k = requestIdOfKey(o.key);
    if (!k) continue;
    if (k.result) {
      answered.add(k.id);
      const at = Date.parse(
        `${k.id.slice(0, 4)}-${k.id.slice(4, 6)}-${k.id.slice(6, 8)}T${k.id.slice(9, 11)}:${k.id.slice(11, 13)}:${k.id.slice(13, 15)}Z`,
      );
      if (Number.isFinite(at) && now - at > 86_400_000) await deleteQuietly(backend, o.key);
    } else requests.set(k.id, o.key);
  }
  const out: TaskRequest[] = [];
  for (const [id, key] of [...requests].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (answered.has(id)) continue;
    const req = await readJson(backend, key);
    if (!isRequest(req) || req.id !== id) continue;
    if (req.expiresMs < now) {
      await deleteQuietly(backend, key);
      continue;
    }
    if (req.lockId === lockId) out.push(req);
  }
  return out;
}

/** Writes the answer to a request (`done: false` when starting it); a final answer deletes the request. */
export async function answerTaskRequest(backend: StorageBackend, answer: TaskAnswer): Promise<void> {
  await putJson(backend, requestKey(answer.id, true), answer);
  if (answer.done) await deleteQuietly(backend, requestKey(answer.id));
}

/**
 * The holder takes a request: writes the answer `{done: false}`, then checks the request is still
 * there. False (answer removed) when the requester withdrew it meanwhile: of the two, each writes
 * first and reads the other's object after, so at least one sees the other and the task runs
 * only when the requester will wait for it.
 */
export async function takeTaskRequest(backend: StorageBackend, req: TaskRequest, now = Date.now()): Promise<boolean> {
  await putJson(backend, requestKey(req.id, true), {
    format: 'zimbra-backup-request-result',
    version: 1,
    id: req.id,
    done: false,
    ok: false,
    startedMs: now,
    durationMs: 0,
  } satisfies TaskAnswer);
  if (await backend.stat(requestKey(req.id))) return true;
  await deleteQuietly(backend, requestKey(req.id, true));
  return false;
}

/** Reads the answer to request `id`, if written. */
export async function readTaskAnswer(backend: StorageBackend, id: string): Promise<TaskAnswer | undefined> {
  const a = (await readJson(backend, requestKey(id, true))) as Partial<TaskAnswer> | undefined;
  return a?.format === 'zimbra-backup-request-result' && a.id === id ? (a as TaskAnswer) : undefined;
}

/** Deletes a request and its answer (the requester's clean-up). */
export async function removeTaskRequest(backend: StorageBackend, id: string): Promise<void> {
  await deleteQuietly(backend, requestKey(id));
  await deleteQuietly(backend, requestKey(id, true));
}

/**
 * Waits for the final answer to `req`, polling every `pollMs`. Gives up when `holderAlive()` says
 * the addressed lock is gone, or when the request expires before the holder took it (the request
 * is then deleted, so it never runs): `ZB_LOCK_HELD`, `ZB_TIMEOUT` or, when the holder died while
 * running the task, `ZB_LOCK_LOST` (outcome unknown).
 */
export async function awaitTaskAnswer(
  backend: StorageBackend,
  req: TaskRequest,
  opts: { pollMs?: number; holderAlive: () => Promise<boolean>; signal?: AbortSignal; now?: () => number },
): Promise<TaskAnswer> {
  const now = opts.now ?? Date.now;
  const poll = opts.pollMs ?? 500;
  for (;;) {
    const answer = await readTaskAnswer(backend, req.id);
    if (answer?.done) {
      await removeTaskRequest(backend, req.id);
      return answer;
    }
    const gone = !(await opts.holderAlive());
    if (answer && opts.signal?.aborted)
      throw new ZimbraBackupError('interrupted; the task goes on in the capturing process (see its log)', {
        code: 'ZB_ABORTED',
      });
    if (answer && gone) {
      await removeTaskRequest(backend, req.id);
      throw new ZimbraBackupError(
        'the capturing process stopped while running the task: its outcome is unknown (a purge or repair interrupted is consistent; run it again)',
        { code: 'ZB_LOCK_LOST', data: { lockId: req.lockId } },
      );
    }
    if (!answer && (gone || now() > req.expiresMs || opts.signal?.aborted)) {
      await deleteQuietly(backend, requestKey(req.id));
      // It may have been answered in between: an answer wins over giving up.
      const late = await readTaskAnswer(backend, req.id);
      if (late) {
        // Taken just now: it runs (the holder needs the request object no more), so wait for it.
        if (!opts.signal?.aborted) continue;
      }
      if (opts.signal?.aborted)
        throw new ZimbraBackupError('interrupted while waiting for the capturing process', { code: 'ZB_ABORTED' });
      throw gone
        ? new ZimbraBackupError(
            'the capturing process stopped before it ran the request; nothing was done: run the command again',
            { code: 'ZB_LOCK_HELD', data: { lockId: req.lockId } },
          )
        : new ZimbraBackupError(
            `the capturing process did not run the request within ${Math.round((req.expiresMs - req.requestedMs) / 1000)} s; nothing was done (is it an older version?)`,
            { code: 'ZB_TIMEOUT', data: { lockId: req.lockId } },
          );
    }
    await new Promise((r) => setTimeout(r, poll));
  }
}
