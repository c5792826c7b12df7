/**
 * What `watch` does while a mailbox server is unreachable: it says so (a warning when a server
 * starts failing and when it answers again), rewrites the capture status at once so `status`
 * shows the lag from that moment, and, only when the caller set a limit (`--max-downtime`),
 * gives up once a server has been failing longer than that.
 *
 * ```text
 * every tick (1 s):  servers = fleet.status()
 *   a server changed state        -> warn/info, onChange() (capture status rewritten)
 *   failing for >= maxDowntimeMs  -> onGiveUp(ZB_TRANSPORT naming the server and the limit), stop
 * ```
 * Without a limit the watch retries for ever (the scanners back off up to 30 s between tries).
 * @module
 */
import { ZimbraBackupError } from '../errors.js';
import type { Logger } from '../internal/logger.js';
import type { ServerCaptureStatus } from '../sync/scanner-fleet.js';

/** Options of {@link startDowntimeGuard}. */
export interface DowntimeGuardOptions {
  /** Current per-server state (`ScannerFleet.status()`). */
  status: () => ServerCaptureStatus[];
  /** Give up once a server has been failing this long, in ms; 0 or undefined: never. */
  maxDowntimeMs?: number;
  /** Called when any server changed state (to rewrite the capture status). */
  onChange: () => void;
  /** Called once with the error to stop the watch with. */
  onGiveUp: (err: ZimbraBackupError) => void;
  logger: Logger;
  /** Tick period in ms. Default 1000. */
  intervalMs?: number;
  /** Clock, ms since the epoch; must be the fleet's (`Date.now`). */
  now?: () => number;
}

/** Starts watching the servers' state; returns the function that stops it. */
export function startDowntimeGuard(opts: DowntimeGuardOptions): () => void {
  const now = opts.now ?? Date.now;
  const max = opts.maxDowntimeMs ?? 0;
  const seen = new Map<string, ServerCaptureStatus['state']>();
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    let changed = false;
    for (const s of opts.status()) {
      const before = seen.get(s.name);
      seen.set(s.name, s.state);
      if (before === s.state || (before === undefined && s.state === 'watching')) continue;
      changed = true;
      if (s.state === 'failing')
        opts.logger.warn(
          {
            server: s.name,
            since: new Date(s.sinceMs).toISOString(),
            ...(s.lastError !== undefined ? { error: s.lastError } : {}),
            ...(max > 0 ? { maxDowntimeSeconds: max / 1000 } : {}),
          },
          max > 0
            ? 'mailbox server unreachable; its changes are not captured until it answers (retrying with backoff, giving up after --max-downtime)'
            : 'mailbox server unreachable; its changes are not captured until it answers (retrying with backoff until stopped)',
        );
      else opts.logger.warn({ server: s.name }, 'mailbox server answers again; catching up its accounts');
    }
    if (changed) opts.onChange();
    if (max <= 0) return;
    const t = now();
    const down = opts.status().find((s) => s.state === 'failing' && t - s.sinceMs >= max);
    if (!down) return;
    stopped = true;
    clearInterval(timer);
    opts.onGiveUp(
      new ZimbraBackupError(
        `mailbox server ${down.name} has been unreachable for ${Math.round((t - down.sinceMs) / 1000)} s, ` +
          `longer than --max-downtime (${Math.round(max / 1000)} s): capture stopped` +
          (down.lastError ? ` (last error: ${down.lastError})` : ''),
        {
          code: 'ZB_TRANSPORT',
          data: { server: down.name, downSinceMs: down.sinceMs, maxDowntimeMs: max },
        },
      ),
    );
  };
  const timer = setInterval(tick, opts.intervalMs ?? 1000);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/**
 * Waits while capture runs: resolves with undefined when `signal` aborts (a normal stop), or
 * with the guard's error once it gives up (logged as an error first).
 */
export function untilStoppedOrGivenUp(
  signal: AbortSignal,
  opts: Omit<DowntimeGuardOptions, 'onGiveUp'>,
): Promise<ZimbraBackupError | undefined> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      stop();
      resolve(undefined);
    };
    const stop = startDowntimeGuard({
      ...opts,
      onGiveUp: (err) => {
        signal.removeEventListener('abort', onAbort);
        opts.logger.error({ ...err.data }, err.message);
        resolve(err);
      },
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
