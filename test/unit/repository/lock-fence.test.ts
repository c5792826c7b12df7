/**
 * A holder fences itself: once its last heartbeat that reached the backend is older than half the
 * stale time, `assertHeld` fails (`ZB_LOCK_LOST`) before another process can call the lock stale
 * and take its accounts over (docs/FORMAT.md "Several engines", a dead engine). This is what stops
 * a process that was frozen (SIGSTOP, a paused VM) from committing after it resumes.
 */
import { describe, expect, it } from 'vitest';
import { acquireLock, readLocks } from '../../../src/repository/lock.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';

describe('RepositoryLock self-fencing', () => {
  it('holds while heartbeats are recent, and stops once the last one is older than half the stale time', async () => {
    let now = 1_700_000_000_000;
    const backend = new MemoryBackend();
    // The heartbeat timer never fires here: the test plays the frozen process.
    const lock = await acquireLock(backend, { staleAfterMs: 10_000, heartbeatMs: 9_000, now: () => now });
    now += 4_000;
    expect(() => lock.assertHeld()).not.toThrow();
    await lock.refresh();
    now += 5_000;
    expect(() => lock.assertHeld()).not.toThrow(); // 5 s since the refresh: not more than half
    now += 1;
    expect(() => lock.assertHeld()).toThrow(expect.objectContaining({ code: 'ZB_LOCK_LOST' }));
    expect(lock.lost).toBe(true);
    // Others do not call it stale yet: the holder stopped first.
    expect((await readLocks(backend, { staleAfterMs: 10_000, heartbeatMs: 9_000, now: () => now }))[0]?.stale).toBe(
      false,
    );
    await lock.release();
  });
});
