/** Shared and exclusive writer locks (several engines on one repository; docs/FORMAT.md "Several writers"). */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { acquireLock, readLocks } from '../../../src/repository/lock.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';

describe('lock modes', () => {
  it('shared locks coexist; an exclusive lock coexists with none and names every holder', async () => {
    const backend = new MemoryBackend();
    const a = await acquireLock(backend, { owner: 'watch', mode: 'shared', selection: 'mail1', host: 'h1', pid: 11 });
    const b = await acquireLock(backend, { owner: 'watch', mode: 'shared', selection: 'mail2', host: 'h2', pid: 12 });
    expect(a.mode).toBe('shared');
    expect((await readLocks(backend)).map((l) => [l.mode, l.selection])).toEqual([
      ['shared', 'mail1'],
      ['shared', 'mail2'],
    ]);
    const err = await acquireLock(backend, { owner: 'purge' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ZB_LOCK_HELD', data: { holders: [{ pid: 11 }, { pid: 12 }] } });
    expect((err as Error).message).toMatch(
      /watch on h1 \(pid 11, .*shared lock for mail1\); watch on h2 .*shared lock for mail2/,
    );
    expect((err as Error).message).toMatch(/needs the repository alone: stop the engines first/);
    await a.release();
    await b.release();

    const purge = await acquireLock(backend, { owner: 'purge', host: 'h3', pid: 13 });
    const shared = await acquireLock(backend, { owner: 'watch', mode: 'shared' }).catch((e: unknown) => e);
    expect(shared).toMatchObject({ code: 'ZB_LOCK_HELD', data: { owner: 'purge', mode: 'exclusive' } });
    await purge.release();
  });

  it('a lock object written without a mode (older versions) is exclusive', async () => {
    const backend = new MemoryBackend();
    const now = Date.now();
    const old = Buffer.from(
      JSON.stringify({
        format: 'zimbra-backup-lock',
        version: 1,
        id: 'x',
        owner: 'backup',
        host: 'other',
        pid: 1,
        createdMs: now,
        heartbeatMs: now,
      }),
    );
    await backend.put('locks/20260101T000000Z-0000000000000000.json', {
      size: old.length,
      open: () => Readable.from([old]),
    });
    expect((await readLocks(backend))[0]?.mode).toBe('exclusive');
    await expect(acquireLock(backend, { mode: 'shared' })).rejects.toMatchObject({ code: 'ZB_LOCK_HELD' });
  });

  it('two shared writers racing both win; an exclusive racing a shared one backs off', async () => {
    const backend = new MemoryBackend();
    const [x, y] = await Promise.all([
      acquireLock(backend, { mode: 'shared', settleMs: 20 }),
      acquireLock(backend, { mode: 'shared', settleMs: 20 }),
    ]);
    await x.release();
    await y.release();
    const results = await Promise.allSettled([
      acquireLock(backend, { mode: 'shared', settleMs: 20 }),
      acquireLock(backend, { owner: 'purge', settleMs: 20 }),
    ]);
    // at most one wins (write-then-read-back: both may back off, never both proceed)
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(1);
    for (const r of results) if (r.status === 'fulfilled') await r.value.release();
  });
});
