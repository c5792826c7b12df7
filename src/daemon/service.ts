/**
 * The long-running service (`zimbra-backup run`): real-time capture plus scheduled SmartScan,
 * coherency check and purge, in one process that holds the writer lock.
 *
 * ```text
 * engine.watch(signal)                          capture; holds the writer lock
 * per task with a schedule: timer -> queue      tasks run one at a time, in due order
 *   smartscan: engine.smartScan()
 *   check:     checkRepository (reader: capture goes on); errors + repair -> again inside
 *              engine.exclusive with the shared lock
 *   purge:     engine.exclusive(lock => purgeRepository({ heldLock: lock }))  (capture pauses)
 * requests/ from other processes (purge, check --repair, backup --full): the same queue, with
 *        the requester's parameters (request-server.ts, repository/task-requests.ts)
 * reconfigure(tasks): timers re-armed from now (SIGHUP)
 * abort: timers stop, a running task gets the abort (each is consistent at any stop),
 *        capture commits what is in flight, the lock is released
 * ```
 * A failed task is reported (`onTask`, notifications) and retried at its next due time; it never
 * stops capture.
 * @module
 */
import { ZimbraBackupError } from '../errors.js';
import { resolveLogger, type Logger } from '../internal/logger.js';
import type { BackupEngine, BackupResult } from '../backup/backup-engine.js';
import { checkRepository, type CheckResult } from '../maintenance/check.js';
import { purgeRepository, type PurgeResult } from '../maintenance/purge.js';
import type { Repository } from '../repository/repository.js';
import type { RequestedTask } from '../repository/task-requests.js';
import { serveTaskRequests } from './request-server.js';
import { nextRun, type Schedule } from './schedule.js';

/** The scheduled work of a {@link BackupService}. Absent entries do not run. */
export interface ServiceTasks {
  /** SmartScan: every account listed in full against its journal. */
  smartScan?: Schedule;
  /** Coherency check; `full` re-hashes blobs; `repair` quarantines damage (capture pauses for it). */
  check?: { schedule: Schedule; full?: boolean; repair?: boolean };
  /** Purge by retention, in ms (0 keeps forever); `deletedAccountsRetentionMs` defaults to it. */
  purge?: { schedule: Schedule; retentionMs: number; deletedAccountsRetentionMs?: number };
}

/** The name of a scheduled task. */
export type ServiceTaskName = 'smartscan' | 'check' | 'purge';

/** The outcome of one scheduled task. */
export interface ServiceTaskResult {
  task: ServiceTaskName;
  /** False when the task threw, or (check) found errors. */
  ok: boolean;
  /** Start, ms since the epoch. */
  startedMs: number;
  durationMs: number;
  /** The check's result. */
  check?: CheckResult;
  /** The purge's result. */
  purge?: PurgeResult;
  /** What went wrong when it threw. */
  error?: { code: string; message: string };
  /** True when the service was stopping and the task was aborted (consistent, not a failure to alert on). */
  interrupted?: boolean;
}

/** Options of {@link BackupService}. */
export interface BackupServiceOptions {
  /** The capture engine (its repository must be `repository`). */
  engine: BackupEngine;
  /** The repository, for the check and the purge. */
  repository: Repository;
  /** Scheduled tasks. Default: none (capture only). */
  tasks?: ServiceTasks;
  /** Called after every task. */
  onTask?: (r: ServiceTaskResult) => void;
  logger?: Logger | false;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** How often requests of other processes are looked for, in ms. Default 2000. */
  requestPollMs?: number;
}

/** Real-time capture plus scheduled maintenance, until aborted. */
export class BackupService {
  readonly #opts: BackupServiceOptions;
  readonly #log: Logger;
  #tasks: ServiceTasks;
  readonly #timers = new Map<ServiceTaskName, NodeJS.Timeout>();
  readonly #due = new Map<ServiceTaskName, number>();
  #queue: Promise<void> = Promise.resolve();
  #signal: AbortSignal | undefined;

  constructor(opts: BackupServiceOptions) {
    if (!opts.engine || !opts.repository)
      throw new ZimbraBackupError('BackupService needs engine and repository', { code: 'ZB_INVALID_ARGUMENT' });
    this.#opts = opts;
    this.#log = resolveLogger(opts.logger);
    this.#tasks = { ...opts.tasks };
    validate(this.#tasks);
  }

  /** When each scheduled task runs next, ms since the epoch. */
  get nextRuns(): ReadonlyMap<ServiceTaskName, number> {
    return this.#due;
  }

  /**
   * Captures and runs the schedule until `signal` aborts; resolves with the capture summary once
   * everything in flight is committed and the lock released.
   */
  async run(opts: { signal: AbortSignal }): Promise<BackupResult> {
    const { signal } = opts;
    this.#signal = signal;
    const watching = this.#opts.engine.watch({ signal });
    this.#arm();
    const stopRequests = serveTaskRequests({
      backend: this.#opts.repository.backend,
      lock: () => this.#opts.engine.heldLock,
      run: (spec) => this.runTask(spec.task, spec),
      logger: this.#log,
      ...(this.#opts.requestPollMs !== undefined ? { pollMs: this.#opts.requestPollMs } : {}),
    });
    const stop = (): void => this.#disarm();
    signal.addEventListener('abort', stop, { once: true });
    try {
      return await watching;
    } finally {
      signal.removeEventListener('abort', stop);
      await stopRequests();
      this.#disarm();
      await this.#queue;
      this.#signal = undefined;
    }
  }

  /** Replaces the schedule (SIGHUP); timers restart from now. A running task finishes first. */
  reconfigure(tasks: ServiceTasks): void {
    validate(tasks);
    this.#tasks = { ...tasks };
    if (this.#signal && !this.#signal.aborted) {
      this.#disarm();
      this.#arm();
    }
    this.#log.info({ tasks: [...this.#due.keys()] }, 'schedule reloaded');
  }

  /**
   * Runs one task now (queued behind a running one), whatever its schedule; `spec` (a request of
   * another process) gives its parameters instead of the configured ones.
   */
  runTask(task: ServiceTaskName, spec?: RequestedTask): Promise<ServiceTaskResult> {
    const next = this.#queue.then(() => this.#execute(task, spec));
    this.#queue = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  #arm(): void {
    const now = (this.#opts.now ?? Date.now)();
    const schedules: Array<[ServiceTaskName, Schedule | undefined]> = [
      ['smartscan', this.#tasks.smartScan],
      ['check', this.#tasks.check?.schedule],
      ['purge', this.#tasks.purge?.schedule],
    ];
    for (const [task, schedule] of schedules) if (schedule) this.#armOne(task, schedule, now);
  }

  #armOne(task: ServiceTaskName, schedule: Schedule, after: number): void {
    const at = nextRun(schedule, after);
    this.#due.set(task, at);
    const now = (this.#opts.now ?? Date.now)();
    // setTimeout caps at 2^31-1 ms (~24.8 days); a longer wait re-arms at the cap.
    const wait = Math.min(Math.max(0, at - now), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      if ((this.#opts.now ?? Date.now)() < at - 1000) return this.#armOne(task, schedule, after);
      void this.runTask(task).finally(() => {
        if (this.#timers.get(task) === timer && !this.#signal?.aborted)
          this.#armOne(task, schedule, (this.#opts.now ?? Date.now)());
      });
    }, wait);
    timer.unref?.();
    this.#timers.set(task, timer);
  }

  #disarm(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#due.clear();
  }

  async #execute(task: ServiceTaskName, spec?: RequestedTask): Promise<ServiceTaskResult> {
    const now = this.#opts.now ?? Date.now;
    const startedMs = now();
    const started = performance.now();
    const signal = this.#signal;
    const io = signal ? { signal } : {};
    const result: ServiceTaskResult = { task, ok: true, startedMs, durationMs: 0 };
    this.#log.info({ task }, 'scheduled task started');
    try {
      if (signal?.aborted) throw new ZimbraBackupError('the service is stopping', { code: 'ZB_ABORTED' });
      if (task === 'smartscan') await this.#opts.engine.smartScan();
      else if (task === 'check') {
        const c = spec?.task === 'check' ? spec : this.#tasks.check;
        result.check = await checkRepository({ repository: this.#opts.repository, full: c?.full === true, ...io });
        if (!result.check.ok && c?.repair) {
          result.check = await this.#opts.engine.exclusive(
            (lock) =>
              checkRepository({
                repository: this.#opts.repository,
                full: c.full === true,
                repair: true,
                heldLock: lock,
                ...io,
              }),
            io,
          );
          result.ok = result.check.remaining === 0;
        } else result.ok = result.check.ok;
      } else {
        const p = spec?.task === 'purge' ? spec : this.#tasks.purge;
        if (!p) throw new ZimbraBackupError('no purge is configured', { code: 'ZB_INVALID_ARGUMENT' });
        result.purge = await this.#opts.engine.exclusive(
          (lock) =>
            purgeRepository({
              repository: this.#opts.repository,
              retentionMs: p.retentionMs,
              heldLock: lock,
              ...('dryRun' in p && p.dryRun ? { dryRun: true } : {}),
              ...(p.deletedAccountsRetentionMs !== undefined
                ? { deletedAccountsRetentionMs: p.deletedAccountsRetentionMs }
                : {}),
              ...io,
            }),
          io,
        );
      }
    } catch (err) {
      result.ok = false;
      const e = err as { code?: unknown; message?: unknown };
      result.error = {
        code: typeof e.code === 'string' ? e.code : 'ZB_INTERNAL',
        message: typeof e.message === 'string' ? e.message : String(err),
      };
    }
    result.durationMs = Math.round(performance.now() - started);
    if (!result.ok && signal?.aborted) result.interrupted = true;
    const level = result.ok || result.interrupted ? 'info' : 'error';
    this.#log[level](
      {
        task,
        ok: result.ok,
        durationMs: result.durationMs,
        ...(result.error ? { error: result.error } : {}),
        ...(result.purge ? { purge: summarizePurge(result.purge) } : {}),
        ...(result.check
          ? {
              check: {
                errors: result.check.errors,
                remaining: result.check.remaining,
                blobs: result.check.blobsChecked,
              },
            }
          : {}),
      },
      'scheduled task finished',
    );
    this.#opts.onTask?.(result);
    return result;
  }
}

function validate(tasks: ServiceTasks): void {
  const p = tasks.purge;
  if (p && (!Number.isSafeInteger(p.retentionMs) || p.retentionMs < 0))
    throw new ZimbraBackupError('tasks.purge.retentionMs must be a non-negative integer (ms)', {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'tasks.purge.retentionMs' },
    });
}

function summarizePurge(p: PurgeResult): Record<string, number | undefined> {
  return {
    cutoffMs: p.cutoffMs,
    versionsRemoved: p.versionsRemoved,
    deletesRemoved: p.deletesRemoved,
    blobsRemoved: p.blobsRemoved,
    bytesReclaimed: p.bytesReclaimed,
  };
}
