/**
 * A timer that an AbortSignal can cut short (used by retry backoff and fault delays).
 * @module
 */
import { ZimbraBackupError } from '../errors.js';

/**
 * Resolves after `ms` milliseconds, or rejects `ZB_ABORTED` as soon as any of `signals` aborts.
 * The timer keeps the process alive: a pending sleep is work in progress (a storage retry's
 * backoff), and an unref'd one let a CLI run end mid-retry with nothing else pending, reporting
 * a half-done backup as finished. Shutdown cuts it short through the signals instead.
 */
export function abortableSleep(ms: number, ...signals: Array<AbortSignal | undefined>): Promise<void> {
  const active = signals.filter((s): s is AbortSignal => s !== undefined);
  const aborted = active.find((s) => s.aborted);
  if (aborted) return Promise.reject(abortError(aborted));
  if (ms <= 0 && active.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (ev: Event): void => {
      cleanup();
      reject(abortError(ev.target as AbortSignal));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      for (const s of active) s.removeEventListener('abort', onAbort);
    };
    const timer = setTimeout(
      () => {
        cleanup();
        resolve();
      },
      Math.max(0, ms),
    );
    for (const s of active) s.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal): ZimbraBackupError {
  return new ZimbraBackupError('operation aborted', { code: 'ZB_ABORTED', cause: signal.reason });
}
