/**
 * A command that needs the writer lock, run while `watch`/`run` holds it: instead of failing with
 * `ZB_LOCK_HELD`, it asks the capturing process to run the task (repository/task-requests.ts) and
 * waits for the answer. Only a single live exclusive holder that is a capture is asked; anything
 * else (a purge, a backup, shared engines, a stale lock) keeps the original error.
 * @module
 */
import { isZimbraBackupError, ZimbraBackupError } from '../errors.js';
import { readLocks } from '../repository/lock.js';
import type { Repository } from '../repository/repository.js';
import {
  awaitTaskAnswer,
  submitTaskRequest,
  type RequestedTask,
  type TaskAnswer,
} from '../repository/task-requests.js';
import type { CommandContext } from './command.js';

/** How long a request may wait for the capturing process to take it. */
const REQUEST_TTL_MS = 15 * 60_000;

/**
 * When `err` is `ZB_LOCK_HELD` by a live `watch`/`run`, asks it to run `spec` and returns its
 * answer's result; otherwise undefined (the caller rethrows `err`).
 * @throws the task's own error (code and message as the capturing process reported them).
 */
export async function runInLockHolder(
  repository: Repository,
  err: unknown,
  spec: RequestedTask,
  ctx: CommandContext,
  what: string,
): Promise<unknown> {
  if (!isZimbraBackupError(err, 'ZB_LOCK_HELD')) return undefined;
  const d = err.data as { lockId?: unknown; owner?: unknown; stale?: unknown; mode?: unknown; holders?: unknown[] };
  const single = !Array.isArray(d.holders) || d.holders.length === 1;
  if (
    typeof d.lockId !== 'string' ||
    (d.owner !== 'watch' && d.owner !== 'run') ||
    d.stale === true ||
    d.mode === 'shared' ||
    !single
  )
    return undefined;
  const lockId = d.lockId;
  const backend = repository.backend;
  const req = await submitTaskRequest(backend, spec, { lockId, ttlMs: REQUEST_TTL_MS, signal: ctx.signal });
  ctx.err(
    `the repository is being written by real-time capture (\`${d.owner as string}\`): asked it to run the ${what} ` +
      '(its commits pause meanwhile, nothing is lost); waiting for its answer...',
  );
  const answer: TaskAnswer = await awaitTaskAnswer(backend, req, {
    signal: ctx.signal,
    holderAlive: async () => (await readLocks(backend)).some((l) => l.id === lockId && !l.stale),
  });
  if (!answer.ok && answer.error)
    throw new ZimbraBackupError(`${answer.error.message} (run by the capturing process)`, {
      code: answer.error.code as ZimbraBackupError['code'],
      data: { request: req.id },
    });
  return answer.result ?? {};
}
