/**
 * When a scheduled task of the service runs next.
 * @module
 */

/** A schedule: a fixed interval from the service's start, or once a day at a UTC minute. */
export type Schedule =
  /** Every `everyMs` milliseconds; the first run is one interval after the start. */
  | { everyMs: number }
  /** Every day at this minute after UTC midnight (0..1439). */
  | { dailyAtUtcMinute: number };

/** The first instant strictly after `afterMs` (ms since the epoch) at which `schedule` is due. */
export function nextRun(schedule: Schedule, afterMs: number): number {
  if ('everyMs' in schedule) return afterMs + schedule.everyMs;
  const day = 86_400_000;
  const midnight = Math.floor(afterMs / day) * day;
  const at = midnight + schedule.dailyAtUtcMinute * 60_000;
  return at > afterMs ? at : at + day;
}
