/**
 * The capturing process's side of task requests (repository/task-requests.ts): every `pollMs` it
 * lists `requests/`, takes those addressed to the exclusive lock it holds, runs each through the
 * service's task queue (purge and repair inside `BackupEngine.exclusive`: commits pause, nothing
 * in flight is lost) and writes the answer. Requests run one at a time, after any scheduled task
 * already running. A shared lock (a partial engine) serves nothing: purge and repair need the
 * repository alone, and the requester refuses before asking in that case.
 * @module
 */
import type { Logger } from '../internal/logger.js';
import type { RepositoryLock } from '../repository/lock.js';
import {
  answerTaskRequest,
  pendingTaskRequests,
  takeTaskRequest,
  type RequestedTask,
} from '../repository/task-requests.js';
import type { StorageBackend } from '../store/backends/backend.js';
import type { ServiceTaskResult } from './service.js';

/** Options of {@link serveTaskRequests}. */
export interface RequestServerOptions {
  backend: StorageBackend;
  /** The lock held now (undefined before the engine took it). */
  lock: () => RepositoryLock | undefined;
  /** Runs one requested task. */
  run: (spec: RequestedTask) => Promise<ServiceTaskResult>;
  logger: Logger;
  /** Default 2000. */
  pollMs?: number;
}

/** Starts serving; the returned function stops it and waits for a request being run. */
export function serveTaskRequests(opts: RequestServerOptions): () => Promise<void> {
  let stopped = false;
  let busy: Promise<void> = Promise.resolve();
  const tick = async (): Promise<void> => {
    const lock = opts.lock();
    if (!lock || lock.mode !== 'exclusive') return;
    for (const req of await pendingTaskRequests(opts.backend, lock.id)) {
      if (stopped) return;
      if (!(await takeTaskRequest(opts.backend, req))) continue;
      opts.logger.info(
        { request: req.id, task: req.spec.task, from: `${req.host} pid ${req.pid}` },
        'running a task another process asked for',
      );
      const started = Date.now();
      let r: ServiceTaskResult;
      try {
        r = await opts.run(req.spec);
      } catch (err) {
        const e = err as { code?: unknown; message?: unknown };
        r = {
          task: req.spec.task,
          ok: false,
          startedMs: started,
          durationMs: Date.now() - started,
          error: {
            code: typeof e.code === 'string' ? e.code : 'ZB_INTERNAL',
            message: typeof e.message === 'string' ? e.message : String(err),
          },
        };
      }
      await answerTaskRequest(opts.backend, {
        format: 'zimbra-backup-request-result',
        version: 1,
        id: req.id,
        done: true,
        ok: r.ok,
        startedMs: r.startedMs,
        durationMs: r.durationMs,
        ...(r.purge ? { result: r.purge } : r.check ? { result: r.check } : {}),
        ...(r.error ? { error: r.error } : {}),
      });
    }
  };
  let running = false;
  const timer = setInterval(() => {
    // One listing at a time: a long purge is not joined by ticks queued behind it.
    if (running || stopped) return;
    running = true;
    busy = tick()
      .catch((err: unknown) => opts.logger.warn({ err: String(err) }, 'task requests not served this time'))
      .finally(() => {
        running = false;
      });
  }, opts.pollMs ?? 2000);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await busy;
  };
}
