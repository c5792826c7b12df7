import { ZimbraBackupError } from '../errors.js';

/** Options of {@link AccountScheduler}. */
export interface AccountSchedulerOptions {
  /** Accounts processed at once. Default 4. */
  concurrency?: number;
  /** Runs the work for one account; a rejection is reported through `onError`, never thrown. */
  run: (accountId: string, reasons: ReadonlySet<string>) => Promise<void>;
  /** Called with the failure of one run; the account may be scheduled again later. */
  onError?: (accountId: string, err: unknown) => void;
}

/** Counters of an {@link AccountScheduler}, for tests and status lines. */
export interface SchedulerStats {
  /** Signals received. */
  signals: number;
  /** Signals merged into a run that was already queued or running. */
  merged: number;
  /** Runs started. */
  runs: number;
  /** Runs that failed. */
  failures: number;
}

interface Entry {
  reasons: Set<string>;
  /** When the oldest signal not yet covered by a started run arrived (ms since the epoch). */
  sinceMs: number;
  /** A signal arrived while the run was in progress: run once more after it. */
  rerun: boolean;
  /** When that signal arrived. */
  rerunSinceMs?: number;
  running: boolean;
}

/**
 * The de-duplicating work queue of the backup engine: at most one queued or running job per
 * account. A signal for an account already queued merges into that job; a signal for an
 * account whose job is running marks exactly one follow-up run, so a change that arrives
 * mid-run is never missed and a burst of N signals costs at most two runs.
 */
export class AccountScheduler {
  readonly #entries = new Map<string, Entry>();
  readonly #queue: string[] = [];
  readonly #concurrency: number;
  readonly #opts: AccountSchedulerOptions;
  #active = 0;
  #closed = false;
  #paused = 0;
  #drainWaiters: Array<() => void> = [];
  #idleWaiters: Array<() => void> = [];
  readonly stats: SchedulerStats = { signals: 0, merged: 0, runs: 0, failures: 0 };

  constructor(opts: AccountSchedulerOptions) {
    const c = opts.concurrency ?? 4;
    if (!Number.isInteger(c) || c < 1)
      throw new ZimbraBackupError('concurrency must be an integer >= 1', {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'concurrency' },
      });
    this.#concurrency = c;
    this.#opts = opts;
  }

  /** Number of accounts queued or running. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Accounts with work queued or running, each with the time (ms since the epoch) of its oldest
   * signal that no finished run covers yet: the account's capture lag starts there.
   */
  pending(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [id, e] of this.#entries) out.set(id, e.sinceMs);
    return out;
  }

  /** True when `accountId` is queued or running. */
  has(accountId: string): boolean {
    return this.#entries.has(accountId);
  }

  /** Asks for a run of `accountId`; merges with a queued or running one. */
  schedule(accountId: string, reason = 'signal'): void {
    if (this.#closed) return;
    this.stats.signals++;
    const entry = this.#entries.get(accountId);
    if (entry) {
      this.stats.merged++;
      entry.reasons.add(reason);
      if (entry.running && !entry.rerun) {
        entry.rerun = true;
        entry.rerunSinceMs = Date.now();
      }
      return;
    }
    this.#entries.set(accountId, { reasons: new Set([reason]), rerun: false, running: false, sinceMs: Date.now() });
    this.#queue.push(accountId);
    this.#pump();
  }

  /** Resolves when nothing is queued or running. */
  onIdle(): Promise<void> {
    if (this.#entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops accepting signals, drops what is queued but not started, and waits for running jobs. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const id of this.#queue.splice(0)) {
      const e = this.#entries.get(id);
      if (e && !e.running) this.#entries.delete(id);
    }
    for (const e of this.#entries.values()) e.rerun = false;
    await this.onIdle();
  }

  /**
   * Stops starting jobs and resolves once none is running (queued ones and new signals wait).
   * Pauses nest: each `pause()` needs one {@link AccountScheduler.resume}.
   */
  pause(): Promise<void> {
    this.#paused++;
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Undoes one {@link AccountScheduler.pause}; queued jobs start again when none is left. */
  resume(): void {
    if (this.#paused === 0) return;
    this.#paused--;
    this.#pump();
  }

  #pump(): void {
    if (this.#active === 0) for (const w of this.#drainWaiters.splice(0)) w();
    while (this.#paused === 0 && this.#active < this.#concurrency && this.#queue.length > 0) {
      const id = this.#queue.shift() as string;
      const entry = this.#entries.get(id);
      if (!entry) continue;
      this.#start(id, entry);
    }
    if (this.#entries.size === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  #start(id: string, entry: Entry): void {
    this.#active++;
    entry.running = true;
    const reasons = entry.reasons;
    entry.reasons = new Set();
    this.stats.runs++;
    this.#opts.run(id, reasons).then(
      () => this.#finish(id, entry),
      (err: unknown) => {
        this.stats.failures++;
        this.#opts.onError?.(id, err);
        this.#finish(id, entry);
      },
    );
  }

  #finish(id: string, entry: Entry): void {
    this.#active--;
    entry.running = false;
    if (entry.rerun && !this.#closed) {
      entry.rerun = false;
      entry.sinceMs = entry.rerunSinceMs ?? Date.now();
      this.#queue.push(id);
    } else {
      this.#entries.delete(id);
    }
    this.#pump();
  }
}
