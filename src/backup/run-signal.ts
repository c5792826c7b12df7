/**
 * The abort signal an engine's account runs share. Every in-flight SOAP request, REST download,
 * blob-store stream and retry sleep of a run listens on it while it is pending (and removes its
 * listener when done), so at the peak it carries a few listeners per concurrent account and per
 * concurrent item. With Node's default limit of 10, `watch` with the default concurrency (4
 * accounts, 8 items) printed `MaxListenersExceededWarning` in about half of the runs (issue #15):
 * not a leak (the count falls back to zero between bursts) but a limit below the run's own
 * concurrency. The run therefore gets a signal of its own whose limit is that concurrency's
 * bound, linked to the caller's signal by ONE listener: the caller's signal never sees the
 * per-request listeners, and a real leak (listeners growing past the bound) still warns.
 * @module
 */
import { setMaxListeners } from 'node:events';

/** Listeners one pending account run or item download may hold at once (request, stream, store write, sleep). */
const PER_TASK = 4;

/** A run's own signal, linked to the caller's; `dispose()` unlinks it. */
export interface RunSignal {
  readonly signal: AbortSignal;
  /** Aborts the run's signal (not the caller's). */
  abort(reason?: unknown): void;
  /** Removes the link from the caller's signal. */
  dispose(): void;
}

/** The listener bound for `accounts` concurrent account runs and `items` concurrent item downloads. */
export function runListenerBound(accounts: number, items: number): number {
  return PER_TASK * (accounts + items) + 10;
}

/** A signal for one run, aborted when `outer` aborts, with room for the run's concurrency. */
export function runSignal(outer: AbortSignal | undefined, accounts: number, items: number): RunSignal {
  const ctl = new AbortController();
  setMaxListeners(runListenerBound(accounts, items), ctl.signal);
  const onAbort = (): void => ctl.abort(outer?.reason);
  if (outer?.aborted) onAbort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: ctl.signal,
    abort: (reason?: unknown) => ctl.abort(reason),
    dispose: () => outer?.removeEventListener('abort', onAbort),
  };
}
