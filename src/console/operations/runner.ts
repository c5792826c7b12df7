/**
 * Runs the console's long operations (restores, exports, checks, purges...): one AbortController
 * each, progress fanned out to live listeners (the Server-Sent Events route), and an audit entry
 * per operation (who, when, what, outcome) kept in the repository under `console/operations/`,
 * written when the operation starts and again when it ends.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { ZimbraBackupError } from '../../errors.js';
import type { Logger } from '../../internal/logger.js';
import { safeSegment } from '../../internal/safe-id.js';
import { bufferBody } from '../../store/backends/backend.js';
import { CONSOLE_OPERATIONS_PREFIX, consoleOperationKey } from '../../repository/layout.js';
import type { Repository } from '../../repository/repository.js';

/**
 * How an operation ended (or that it has not). `partial`: it ran to its end but some of its items
 * failed (the result's `failures` lists them), which the CLI reports with exit code 1; the console
 * must not call that a success.
 */
export type OperationStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'interrupted';

/** True when a library result lists failed items (restores, undelete, import, directory restore). */
function hasFailures(result: unknown): boolean {
  const failures =
    typeof result === 'object' && result !== null ? (result as { failures?: unknown }).failures : undefined;
  return Array.isArray(failures) && failures.length > 0;
}

/** Progress of a running operation (the library's `{ phase, loaded, total, unit }` shape). */
export interface OperationProgress {
  phase: string;
  loaded: number;
  total?: number;
  /** What `loaded`/`total` count (accounts, items, blobs...). */
  unit?: string;
  /** Free text the library attached (an account name, a folder path). */
  detail?: string;
}

/** One entry of the operation history. */
export interface OperationRecord {
  id: string;
  kind: string;
  /** Who started it (the logged-in admin). */
  user: string;
  /** What it acts on, in words (`undelete user1@example.test 10:00Z..11:00Z`). */
  summary: string;
  /** The validated parameters (never a password). */
  params: Record<string, unknown>;
  dryRun: boolean;
  startedMs: number;
  endedMs?: number;
  status: OperationStatus;
  progress?: OperationProgress;
  /** The library's result object, as JSON. */
  result?: unknown;
  error?: { code: string; message: string };
}

/** What an operation's body receives. */
export interface OperationContext {
  signal: AbortSignal;
  progress(p: OperationProgress): void;
}

/** Event sent to listeners: a progress update, or the final record. */
export type OperationEvent =
  { type: 'progress'; progress: OperationProgress } | { type: 'end'; record: OperationRecord };

const KEEP_IN_MEMORY = 500;

/** Options of {@link OperationRunner}. */
export interface OperationRunnerOptions {
  repository: Repository;
  logger: Logger;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** Starts, tracks, cancels and remembers operations. */
export class OperationRunner {
  readonly #repository: Repository;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #records = new Map<string, OperationRecord>();
  readonly #controllers = new Map<string, AbortController>();
  readonly #listeners = new Map<string, Set<(e: OperationEvent) => void>>();
  readonly #done = new Map<string, Promise<void>>();

  constructor(opts: OperationRunnerOptions) {
    this.#repository = opts.repository;
    this.#logger = opts.logger;
    this.#now = opts.now ?? Date.now;
  }

  /** Loads the history kept in the repository; entries left `running` by a previous process become `interrupted`. */
  async load(signal?: AbortSignal): Promise<void> {
    const io = signal ? { signal } : {};
    const keys: string[] = [];
    for await (const obj of this.#repository.backend.list(CONSOLE_OPERATIONS_PREFIX, io))
      if (obj.key.endsWith('.json')) keys.push(obj.key);
    for (const key of keys.sort().slice(-KEEP_IN_MEMORY)) {
      try {
        const chunks: Buffer[] = [];
        for await (const c of await this.#repository.backend.get(key, io)) chunks.push(c as Buffer);
        const rec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OperationRecord;
        if (typeof rec.id !== 'string' || typeof rec.kind !== 'string') continue;
        if (rec.status === 'running') rec.status = 'interrupted';
        this.#records.set(rec.id, rec);
      } catch (err) {
        this.#logger.warn({ key, message: (err as Error).message }, 'console: unreadable operation record');
      }
    }
  }

  /** Every known operation, newest first. */
  list(): OperationRecord[] {
    return [...this.#records.values()].sort((a, b) => b.startedMs - a.startedMs || (a.id < b.id ? 1 : -1));
  }

  /** One operation. */
  get(id: string): OperationRecord | undefined {
    return this.#records.get(id);
  }

  /** Operations still running. */
  running(): OperationRecord[] {
    return this.list().filter((r) => r.status === 'running');
  }

  /** Resolves when the operation has ended (tests, shutdown). */
  async settled(id: string): Promise<void> {
    await this.#done.get(id);
  }

  /**
   * Starts `body` in the background and returns its record at once.
   * @throws `ZB_CONFLICT` when an operation of an `exclusive` kind is already running.
   */
  start(
    spec: {
      kind: string;
      user: string;
      summary: string;
      params: Record<string, unknown>;
      dryRun?: boolean;
      exclusive?: boolean;
    },
    body: (ctx: OperationContext) => Promise<unknown>,
  ): OperationRecord {
    if (spec.exclusive && this.running().some((r) => r.kind === spec.kind))
      throw new ZimbraBackupError(`a ${spec.kind} operation is already running`, { code: 'ZB_CONFLICT' });
    const startedMs = this.#now();
    const id = safeSegment(`${startedMs.toString(36)}-${randomBytes(5).toString('hex')}`, 'operation id');
    const record: OperationRecord = {
      id,
      kind: spec.kind,
      user: spec.user,
      summary: spec.summary,
      params: spec.params,
      dryRun: spec.dryRun === true,
      startedMs,
      status: 'running',
    };
    this.#records.set(id, record);
    const controller = new AbortController();
    // Restores and checks add one abort listener per concurrent request.
    setMaxListeners(0, controller.signal);
    this.#controllers.set(id, controller);
    this.#logger.info({ id, kind: spec.kind, user: spec.user, summary: spec.summary }, 'console: operation started');
    const ctx: OperationContext = {
      signal: controller.signal,
      progress: (p) => {
        record.progress = p;
        this.#emit(id, { type: 'progress', progress: p });
      },
    };
    const run = (async () => {
      await this.#save(record);
      try {
        record.result = await body(ctx);
        record.status = hasFailures(record.result) ? 'partial' : 'succeeded';
      } catch (err) {
        const aborted = controller.signal.aborted;
        record.status = aborted ? 'cancelled' : 'failed';
        record.error =
          err instanceof ZimbraBackupError
            ? { code: err.code, message: err.message }
            : { code: 'ZB_INTERNAL', message: err instanceof Error ? err.message : String(err) };
      } finally {
        record.endedMs = this.#now();
        this.#controllers.delete(id);
        this.#logger.info({ id, kind: record.kind, status: record.status }, 'console: operation ended');
        await this.#save(record);
        this.#emit(id, { type: 'end', record });
        this.#listeners.delete(id);
        this.#trim();
      }
    })();
    this.#done.set(id, run);
    return record;
  }

  /** Asks a running operation to stop; false when it is not running. */
  cancel(id: string): boolean {
    const c = this.#controllers.get(id);
    if (!c) return false;
    c.abort(new ZimbraBackupError('cancelled from the console', { code: 'ZB_ABORTED' }));
    return true;
  }

  /** Listens to one operation's events; returns the unsubscribe function. */
  subscribe(id: string, listener: (e: OperationEvent) => void): () => void {
    let set = this.#listeners.get(id);
    if (!set) this.#listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Cancels every running operation and waits for them to end. */
  async close(): Promise<void> {
    for (const id of this.#controllers.keys()) this.cancel(id);
    await Promise.allSettled([...this.#done.values()]);
  }

  #emit(id: string, e: OperationEvent): void {
    for (const l of this.#listeners.get(id) ?? []) {
      try {
        l(e);
      } catch {
        // A dead listener (closed connection) must not stop the operation.
      }
    }
  }

  async #save(record: OperationRecord): Promise<void> {
    const body = Buffer.from(JSON.stringify(record));
    try {
      await this.#repository.backend.put(consoleOperationKey(record.id), bufferBody(body));
    } catch (err) {
      this.#logger.warn(
        { id: record.id, message: (err as Error).message },
        'console: cannot save the operation record',
      );
    }
  }

  #trim(): void {
    const ended = this.list().filter((r) => r.status !== 'running');
    for (const r of ended.slice(KEEP_IN_MEMORY)) {
      this.#records.delete(r.id);
      this.#done.delete(r.id);
    }
  }
}
