/**
 * Detects a WaitSet that has gone deaf: the periodic probe (SmartScan, or a poll) finds changes
 * in an account that the WaitSet never signalled. On a real server this happens to an
 * all-accounts WaitSet when the redo log is off (it hears changes only through the redo log's
 * commit callback: Mailbox.java, AllAccountsWaitSet.java), to a set rebuilt without `defTypes`
 * (WaitSetMgr.java: no interest at all), or to an account the server would not add.
 *
 * ```text
 * signal(account)                  -> strikes = 0; a polled account leaves polling ("signals again")
 * probe(account, changed)          -> changed with no signal since the last probe: strikes + 1
 *                                     strikes >= threshold: the account is deaf -> polled
 * refused(account)                 -> polled at once (the WaitSet does not watch it at all)
 * server deaf: >= threshold deaf accounts and not one signal from the WaitSet since the first
 *   of them -> every account of the server is polled, until any signal arrives
 * ```
 * One change seen by a probe is not enough: its signal may still be on the way (threshold 2).
 * @module
 */

/** Options of {@link DeafDetector}. */
export interface DeafDetectorOptions {
  /** Probes in a row that saw unsignalled changes before an account counts as deaf. Default 2. */
  threshold?: number;
  now?: () => number;
}

/** What {@link DeafDetector.state} reports. */
export interface DeafState {
  /** Accounts whose changes the WaitSet missed (probed with changes and no signal). */
  deafAccounts: number;
  /** Accounts the WaitSet refused to watch. */
  refusedAccounts: number;
  /** True when the whole WaitSet looks deaf (no signal at all while accounts changed). */
  serverDeaf: boolean;
  /** Since when the first account went deaf or was refused (epoch ms); absent when none. */
  sinceMs?: number;
}

/** Per-server bookkeeping of signals and probe results. */
export class DeafDetector {
  readonly #threshold: number;
  readonly #now: () => number;
  readonly #strikes = new Map<string, number>();
  readonly #lastSignal = new Map<string, number>();
  readonly #lastProbe = new Map<string, number>();
  readonly #deaf = new Map<string, number>();
  readonly #refused = new Map<string, number>();
  #lastAnySignal = -Infinity;
  readonly #startedMs: number;

  constructor(opts: DeafDetectorOptions = {}) {
    this.#threshold = Math.max(1, opts.threshold ?? 2);
    this.#now = opts.now ?? Date.now;
    this.#startedMs = this.#now();
  }

  /** The WaitSet signalled `id`. Returns true when this ends polling of that account or of the server. */
  signal(id: string): boolean {
    const now = this.#now();
    const wasServerDeaf = this.serverDeaf;
    this.#lastAnySignal = now;
    this.#lastSignal.set(id, now);
    this.#strikes.delete(id);
    const wasDeaf = this.#deaf.delete(id);
    this.#refused.delete(id);
    return wasDeaf || wasServerDeaf;
  }

  /**
   * A probe of `id` (a run not caused by a signal) finished; `changed` when it found changes.
   * Returns true when the account just became deaf.
   */
  probe(id: string, changed: boolean): boolean {
    const now = this.#now();
    const since = this.#lastProbe.get(id) ?? this.#startedMs;
    this.#lastProbe.set(id, now);
    if (!changed) return false;
    if ((this.#lastSignal.get(id) ?? -Infinity) >= since) {
      this.#strikes.delete(id);
      return false;
    }
    const strikes = (this.#strikes.get(id) ?? 0) + 1;
    this.#strikes.set(id, strikes);
    if (strikes < this.#threshold || this.#deaf.has(id)) return false;
    this.#deaf.set(id, now);
    return true;
  }

  /** The WaitSet refused to watch `id` (it is polled until a signal for it arrives). */
  refused(id: string): void {
    if (!this.#refused.has(id)) this.#refused.set(id, this.#now());
  }

  /** Forgets the refusals (the WaitSet is recreated and will try the accounts again). */
  clearRefused(): void {
    this.#refused.clear();
  }

  /** True when the whole WaitSet looks deaf: enough deaf accounts and no signal since the first. */
  get serverDeaf(): boolean {
    if (this.#deaf.size < this.#threshold) return false;
    const first = Math.min(...this.#deaf.values());
    return this.#lastAnySignal < first;
  }

  /** Accounts to poll: deaf and refused ones, or `all` when the server is deaf. */
  toPoll(all: () => Iterable<string>): string[] {
    if (this.serverDeaf) return [...all()];
    return [...new Set([...this.#deaf.keys(), ...this.#refused.keys()])];
  }

  /** Counts for status. */
  state(): DeafState {
    const marks = [...this.#deaf.values(), ...this.#refused.values()];
    return {
      deafAccounts: this.#deaf.size,
      refusedAccounts: this.#refused.size,
      serverDeaf: this.serverDeaf,
      ...(marks.length > 0 ? { sinceMs: Math.min(...marks) } : {}),
    };
  }
}
