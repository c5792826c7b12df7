/**
 * A timer that an AbortSignal can cut short (used by retry backoff and fault delays).
 * @module
 */
import { ZimbraBackupError } from '../errors.js';

/**
 * Resolves after `ms` milliseconds, or rejects `ZB_ABORTED` as soon as any of `signals` aborts.
 * The timer is unref'd so a pending sleep never keeps the process alive on its own.
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
    timer.unref?.();
    for (const s of active) s.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal): ZimbraBackupError {
  return new ZimbraBackupError('operation aborted', { code: 'ZB_ABORTED', cause: signal.reason });
}
