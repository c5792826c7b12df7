/**
 * The emulator's mailbox clock: item dates, change dates and tombstone dates come from it, and the
 * mailbox purge measures lifetimes against it. Advancing it lets a test reach Zimbra's 30-day
 * Trash lifetime or 3-month tombstone horizon in a moment. Auth tokens and WaitSet timeouts keep
 * the real clock (advancing it must not log every client out).
 */
export class MailboxClock {
  /** ms added to the real clock. */
  offsetMs = 0;

  constructor(private readonly base: () => number = Date.now) {}

  /** The emulated time, ms since the epoch. */
  now(): number {
    return this.base() + this.offsetMs;
  }

  /** Moves the emulated time forward by `ms` (never backwards: change dates only grow). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
  }
}

/** The clock of mailboxes created without one. */
export const REAL_CLOCK = new MailboxClock();
