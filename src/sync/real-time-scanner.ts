/**
 * Real-time change notification: one admin WaitSet with `allAccounts="1"` per mailbox server,
 * long-polled with the last `seq`; every `<a id changeid>` signals that account.
 *
 * ```text
 * loop until aborted:
 *   ws = AdminCreateWaitSet(allAccounts, defTypes=all); onReset()   (catch-up: nothing missed between sets)
 *   loop: r = AdminWaitSet(ws, seq, block, timeout)
 *         canceled -> ask again; signals -> onChange(accountId) each; seq = r.seq
 * admin.NO_SUCH_WAITSET (server restart, idle expiry) -> recreate (and catch up)
 * transport failure -> back off, recreate
 * ```
 * WaitSets do not proxy between servers (WRONG_HOST_FOR_ACCOUNT): run one scanner per mailbox
 * server, each with a client whose admin URL is that server's.
 * @module
 */
import { throwIfAborted, ZimbraBackupError } from '../errors.js';
import { abortableSleep } from '../internal/abortable-sleep.js';
import { resolveLogger, type Logger } from '../internal/logger.js';
import { NoSuchWaitSetError } from '../soap/faults.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';

/** Options of {@link RealTimeScanner}. */
export interface RealTimeScannerOptions {
  /** An admin-authenticated client whose admin URL is the mailbox server to watch. */
  client: ZimbraClient;
  /** Called for each account with changes (zimbraId). Must not throw; may be called often. */
  onChange: (accountId: string, changeId: number | undefined) => void;
  /**
   * Called after each (re)creation of the WaitSet: changes made while no WaitSet existed are
   * not signalled, so the caller runs a catch-up of every account.
   */
  onReset?: (reason: 'created' | 'recreated') => void;
  /** Block timeout of each poll, in seconds (the server clamps it; admin max 3600). Default 300. */
  timeoutSeconds?: number;
  /** Wait before recreating after a transport failure, in ms. Default 1000 (doubles up to 30 s). */
  retryDelayMs?: number;
  logger?: Logger | false;
}

/** Counters, for status and tests. */
export interface RealTimeScannerStats {
  polls: number;
  signals: number;
  recreated: number;
  failures: number;
}

/** Long-polls an all-accounts admin WaitSet and reports accounts with changes. */
export class RealTimeScanner {
  readonly stats: RealTimeScannerStats = { polls: 0, signals: 0, recreated: 0, failures: 0 };
  readonly #opts: RealTimeScannerOptions;
  readonly #log: Logger;
  #waitSetId: string | undefined;
  #lastError: string | undefined;

  constructor(opts: RealTimeScannerOptions) {
    this.#opts = opts;
    this.#log = resolveLogger(opts.logger);
  }

  /** The last poll or creation failure (code and message), for status; undefined before any. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Runs until `signal` aborts; then destroys the WaitSet and resolves. */
  async run(signal: AbortSignal): Promise<void> {
    let delay = this.#opts.retryDelayMs ?? 1000;
    let created = false;
    try {
      while (!signal.aborted) {
        try {
          const ws = await this.#opts.client.createWaitSet({ allAccounts: true, defaultTypes: 'all' }, { signal });
          this.#waitSetId = ws.waitSetId;
          this.#opts.onReset?.(created ? 'recreated' : 'created');
          if (created) this.stats.recreated++;
          created = true;
          delay = this.#opts.retryDelayMs ?? 1000;
          await this.#poll(ws.waitSetId, ws.sequence, signal);
        } catch (err) {
          if (signal.aborted) break;
          if (err instanceof NoSuchWaitSetError) {
            this.#log.warn({ waitSet: this.#waitSetId }, 'WaitSet lost; recreating and catching up');
            continue;
          }
          this.stats.failures++;
          this.#lastError = describe(err);
          this.#log.warn({ err: describe(err) }, 'WaitSet poll failed; retrying');
          // An abort ends the wait early (its ZB_ABORTED is the loop's exit, not a failure).
          await abortableSleep(delay, signal).catch(() => undefined);
          delay = Math.min(delay * 2, 30_000);
        }
      }
    } finally {
      await this.#destroy();
    }
  }

  async #poll(waitSetId: string, seq: string, signal: AbortSignal): Promise<void> {
    let sequence = seq;
    for (;;) {
      throwIfAborted(signal);
      const r = await this.#opts.client.waitSet(
        // defTypes on every poll: a lost all-accounts set is rebuilt with them (WaitSetRequest.java)
        { waitSetId, sequence, block: true, timeoutSeconds: this.#opts.timeoutSeconds ?? 300, defaultTypes: 'all' },
        { signal },
      );
      this.stats.polls++;
      sequence = r.sequence;
      for (const s of r.signals) {
        this.stats.signals++;
        this.#opts.onChange(s.id, s.changeId);
      }
    }
  }

  async #destroy(): Promise<void> {
    const id = this.#waitSetId;
    this.#waitSetId = undefined;
    if (id === undefined) return;
    try {
      await this.#opts.client.destroyWaitSet(id, { timeoutMs: 5000 });
    } catch (err) {
      // Idle WaitSets expire on the server by themselves; nothing is lost.
      this.#log.debug({ err: describe(err) }, 'WaitSet destroy failed');
    }
  }
}

function describe(err: unknown): string {
  return err instanceof ZimbraBackupError ? `${err.code}: ${err.message}` : String(err);
}
