import type { BackupProgress } from '../backup/progress.js';
import { ZimbraBackupError } from '../errors.js';
import type { CommandContext } from './command.js';

/** Where progress goes: a redrawn line on a TTY, JSON lines on stderr, or nowhere. */
export type ProgressMode = 'tty' | 'json' | 'none';

/** The progress mode of `--progress tty|json|none` (default: tty when stderr is a terminal, else none). */
export function progressMode(values: Record<string, unknown>, ctx: CommandContext): ProgressMode {
  const v = values['progress'];
  if (v === undefined) return ctx.tty ? 'tty' : 'none';
  if (v === 'tty' || v === 'json' || v === 'none') return v;
  throw new ZimbraBackupError(`--progress must be tty, json or none, got ${JSON.stringify(v)}`, {
    code: 'ZB_INVALID_ARGUMENT',
  });
}

/** One progress snapshot, as `--progress json` prints it (one object per line on stderr). */
export interface ProgressSnapshot {
  phase: string;
  /** Accounts finished and selected (backup). */
  accounts?: { done: number; total: number };
  /** Units done in this phase and their total when known (check, purge: blobs, accounts). */
  loaded?: number;
  total?: number;
  /** What `loaded`/`total` count (the event's `unit`). */
  unit?: string;
  /** Items recorded (backup). */
  items?: number;
  /** Bytes downloaded or verified so far. */
  bytes?: number;
  /** Seconds since the start. */
  elapsedS: number;
  /** Bytes per second over the whole run, in MB/s (10^6 bytes). */
  mbPerS?: number;
  /** Estimated seconds left, when a fraction done is known. */
  etaS?: number;
}

/** Folds backup progress events into totals, a rate and an estimate. */
export class BackupProgressTracker {
  readonly #started: number;
  readonly #now: () => number;
  readonly #perAccount = new Map<string, { items: number; bytes: number; total?: number }>();
  #accounts: { done: number; total: number } | undefined;
  readonly #finished = new Set<string>();
  #phase = 'start';

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#started = now();
  }

  /** Takes one engine event. */
  update(p: BackupProgress): void {
    this.#phase = p.phase;
    if (p.unit === 'accounts' && p.total !== undefined) {
      this.#accounts = { done: p.loaded ?? 0, total: p.total };
      if (p.accountId !== undefined) this.#finished.add(p.accountId);
      return;
    }
    if (p.accountId !== undefined) {
      const prev = this.#perAccount.get(p.accountId);
      this.#perAccount.set(p.accountId, {
        items: p.items ?? prev?.items ?? 0,
        bytes: p.bytes ?? prev?.bytes ?? 0,
        ...((p.total ?? prev?.total) !== undefined ? { total: (p.total ?? prev?.total) as number } : {}),
      });
    }
  }

  /** The totals now. */
  snapshot(): ProgressSnapshot {
    let items = 0;
    let bytes = 0;
    for (const v of this.#perAccount.values()) {
      items += v.items;
      bytes += v.bytes;
    }
    const elapsedS = (this.#now() - this.#started) / 1000;
    const out: ProgressSnapshot = { phase: this.#phase, items, bytes, elapsedS: round(elapsedS) };
    if (elapsedS > 0) out.mbPerS = round(bytes / 1e6 / elapsedS);
    const a = this.#accounts;
    if (a) {
      out.accounts = { ...a };
      // Fraction done: finished accounts, plus the listed share of those running a full listing.
      let partial = 0;
      for (const [id, v] of this.#perAccount)
        if (!this.#finished.has(id) && v.total !== undefined && v.total > 0) partial += Math.min(1, v.items / v.total);
      const f = a.total > 0 ? Math.min(1, (a.done + partial) / a.total) : 1;
      if (f > 0 && f < 1 && elapsedS > 1) out.etaS = Math.round((elapsedS * (1 - f)) / f);
      if (f >= 1) out.etaS = 0;
    }
    return out;
  }
}

/**
 * Folds `{ phase, loaded, total, unit, bytes? }` events (restore, undelete, export, import, check,
 * purge, migrate) into a snapshot with a per-phase estimate.
 */
export class PhaseProgressTracker {
  readonly #started: number;
  readonly #now: () => number;
  #phase = '';
  #phaseStarted = 0;
  #last: { loaded: number; total?: number; unit?: string; bytes?: number } = { loaded: 0 };

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#started = now();
  }

  update(p: { phase: string; loaded: number; total?: number; unit?: string; bytes?: number }): void {
    if (p.phase !== this.#phase) {
      this.#phase = p.phase;
      this.#phaseStarted = this.#now();
    }
    this.#last = {
      loaded: p.loaded,
      ...(p.total !== undefined ? { total: p.total } : {}),
      ...(p.unit !== undefined ? { unit: p.unit } : {}),
      ...(p.bytes !== undefined ? { bytes: p.bytes } : {}),
    };
  }

  snapshot(): ProgressSnapshot {
    const now = this.#now();
    const elapsedS = (now - this.#started) / 1000;
    const { loaded, total, unit, bytes } = this.#last;
    const out: ProgressSnapshot = { phase: this.#phase, loaded, elapsedS: round(elapsedS) };
    if (total !== undefined) out.total = total;
    if (unit !== undefined) out.unit = unit;
    if (bytes !== undefined) {
      out.bytes = bytes;
      if (elapsedS > 0) out.mbPerS = round(bytes / 1e6 / elapsedS);
    }
    const inPhase = (now - this.#phaseStarted) / 1000;
    if (total !== undefined && loaded > 0 && inPhase > 0.5)
      out.etaS = Math.max(0, Math.round((inPhase * (total - loaded)) / loaded));
    return out;
  }
}

/** A human line for a snapshot: `download accounts 3/10 items 1234 45.2 MB 12.3 MB/s ETA 1m05s`. */
export function formatProgress(s: ProgressSnapshot): string {
  const parts = [s.phase];
  if (s.accounts) parts.push(`accounts ${s.accounts.done}/${s.accounts.total}`);
  if (s.loaded !== undefined)
    parts.push(`${s.loaded}${s.total !== undefined ? `/${s.total}` : ''}${s.unit !== undefined ? ` ${s.unit}` : ''}`);
  if (s.items !== undefined) parts.push(`items ${s.items}`);
  if (s.bytes !== undefined) parts.push(`${(s.bytes / 1e6).toFixed(1)} MB`);
  if (s.mbPerS !== undefined) parts.push(`${s.mbPerS.toFixed(1)} MB/s`);
  if (s.etaS !== undefined) parts.push(`ETA ${duration(s.etaS)}`);
  return parts.join('  ');
}

function duration(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * A progress reporter: on a TTY one line redrawn at most every 200 ms; with `json` one JSON
 * object per line on stderr (at most every 200 ms, plus the last one), for scripts; else nothing.
 */
export function progressReporter<E>(
  ctx: CommandContext,
  mode: ProgressMode,
  tracker: { update(e: E): void; snapshot(): ProgressSnapshot },
): { onProgress: (e: E) => void; done: () => void } {
  if (mode === 'none') return { onProgress: () => {}, done: () => {} };
  let last = 0;
  const emit = (): void => {
    const snap = tracker.snapshot();
    if (mode === 'json') ctx.err(JSON.stringify({ progress: snap }));
    else process.stderr.write(`\r\x1b[K${formatProgress(snap)}`);
  };
  return {
    onProgress(e) {
      tracker.update(e);
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      emit();
    },
    done() {
      if (mode === 'json') emit();
      else process.stderr.write('\r\x1b[K');
    },
  };
}

/** The backup progress display of `backup` (kept for callers of the old API). */
export function progressLine(
  ctx: CommandContext,
  mode: ProgressMode = ctx.tty ? 'tty' : 'none',
): { onProgress: (p: BackupProgress) => void; done: () => void } {
  return progressReporter(ctx, mode, new BackupProgressTracker());
}
