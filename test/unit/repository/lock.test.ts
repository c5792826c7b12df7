import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { acquireLock, breakLock, readLocks } from '../../../src/repository/lock.js';
import { initRepository } from '../../../src/repository/repository.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { FaultyBackend } from '../../../src/testing/faulty-backend.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('RepositoryLock', () => {
  it('one writer at a time; ZB_LOCK_HELD names the holder; release frees it', async () => {
    const repo = await initRepository({ backend: new MemoryBackend() });
    const lock = await repo.lock({ owner: 'backup', host: 'mail1', pid: 4242 });
    const err = await repo.lock({ owner: 'purge' }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ZB_LOCK_HELD',
      data: { owner: 'backup', host: 'mail1', pid: 4242, stale: false },
    });
    expect((err as Error).message).toMatch(/backup on mail1 \(pid 4242, since \d{4}-/);
    expect(await repo.locks()).toHaveLength(1);
    await lock.release();
    await lock.release(); // idempotent
    expect(await repo.locks()).toHaveLength(0);
    const second = await repo.lock();
    await second.release();
    expect(() => second.assertHeld()).toThrow(expect.objectContaining({ code: 'ZB_LOCK_LOST' }));
  });

  it('heartbeats refresh the lock object', async () => {
    const backend = new MemoryBackend();
    let now = 1_000_000;
    const lock = await acquireLock(backend, { heartbeatMs: 20, staleAfterMs: 1000, now: () => now });
    const before = (await readLocks(backend, { now: () => now }))[0]?.heartbeatMs;
    now += 500;
    await sleep(80);
    const after = (await readLocks(backend, { now: () => now }))[0]?.heartbeatMs;
    expect(before).toBe(1_000_000);
    expect(after).toBe(1_000_500);
    await lock.release();
  });

  it('a stale lock still blocks until broken; breakLock refuses live locks', async () => {
    const backend = new MemoryBackend();
    let now = 5_000_000;
    const clock = { now: () => now, staleAfterMs: 10_000, heartbeatMs: 1000 };
    const old = await acquireLock(backend, { ...clock, host: 'other-host', pid: 1 });
    expect(await breakLock(backend, clock)).toEqual([]);
    await expect(breakLock(backend, { ...clock, lockId: old.id })).rejects.toMatchObject({ code: 'ZB_LOCK_HELD' });
    now += 60_000; // no heartbeat for a minute: stale (the timer is real time, so it has not beaten)
    await expect(acquireLock(backend, clock)).rejects.toMatchObject({ code: 'ZB_LOCK_HELD', data: { stale: true } });
    const removed = await breakLock(backend, clock);
    expect(removed.map((l) => l.id)).toEqual([old.id]);
    const mine = await acquireLock(backend, clock);
    // The broken holder notices at its next heartbeat and never writes again.
    await expect(old.refresh()).rejects.toMatchObject({ code: 'ZB_LOCK_LOST' });
    expect(old.lost).toBe(true);
    await old.release();
    expect((await readLocks(backend, clock)).map((l) => l.id)).toEqual([mine.id]);
    await mine.release();
  });

  it('a lock of a dead process on this host is stale at once', async () => {
    const backend = new MemoryBackend();
    const dead = await acquireLock(backend, { host: 'h', pid: 999_999 });
    const infos = await readLocks(backend, { host: 'h', pid: 1, isProcessAlive: (pid) => pid !== 999_999 });
    expect(infos[0]).toMatchObject({ id: dead.id, stale: true });
    expect(await breakLock(backend, { host: 'h', pid: 1, isProcessAlive: () => false })).toHaveLength(1);
    await dead.release();
  });

  it('an unreadable lock object blocks and is reported stale', async () => {
    const backend = new MemoryBackend();
    await backend.put('locks/garbage.json', { open: () => Readable.from([Buffer.from('not json')]) });
    await expect(acquireLock(backend)).rejects.toMatchObject({
      code: 'ZB_LOCK_HELD',
      data: { stale: true, host: 'unknown' },
    });
    expect(await breakLock(backend)).toHaveLength(1);
    await (await acquireLock(backend)).release();
  });

  it('racing writers: at most one wins (write-then-read-back)', async () => {
    const backend = new MemoryBackend();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => acquireLock(backend, { owner: `w${i}`, settleMs: 5 })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won.length).toBeLessThanOrEqual(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'ZB_LOCK_HELD' });
    for (const r of won) await (r as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>).value.release();
    expect(await readLocks(backend)).toHaveLength(0);
  });

  it('three failed heartbeats mark the lock lost and call onLost', async () => {
    const faulty = new FaultyBackend(new MemoryBackend());
    let lostCode: string | undefined;
    const lock = await acquireLock(faulty, { heartbeatMs: 10, onLost: (e) => (lostCode = e.code) });
    faulty.add({ stat: { times: 3, key: lock.key } });
    await sleep(120);
    expect(lostCode).toBe('ZB_LOCK_LOST');
    expect(() => lock.assertHeld()).toThrow(expect.objectContaining({ code: 'ZB_LOCK_LOST' }));
    faulty.expectAllFaultsExercised();
    await lock.release();
  });

  it('validates its options', async () => {
    await expect(acquireLock(new MemoryBackend(), { heartbeatMs: 5000, staleAfterMs: 1000 })).rejects.toMatchObject({
      code: 'ZB_INVALID_ARGUMENT',
    });
  });
});
