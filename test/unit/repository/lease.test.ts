/** Per-account journal leases under shared locks (docs/FORMAT.md "Several writers"). */
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../../src/repository/lock.js';
import { acquireLease, leaseKey, releaseLease } from '../../../src/repository/lease.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';

const ACCT = '11111111-2222-4333-8444-555555555555';

describe('account leases', () => {
  it('one live engine per account; a released or stale engine is taken over', async () => {
    const backend = new MemoryBackend();
    const a = await acquireLock(backend, { mode: 'shared' });
    const b = await acquireLock(backend, { mode: 'shared' });
    expect(await acquireLease(backend, ACCT, a.id)).toBe(true);
    expect(await acquireLease(backend, ACCT, a.id)).toBe(true); // already ours
    expect(await acquireLease(backend, ACCT, b.id)).toBe(false);
    // A's lock goes away (engine stopped or killed and its lock broken): B takes over, A's lease is removed
    await a.release();
    expect(await acquireLease(backend, ACCT, b.id)).toBe(true);
    expect(await backend.stat(leaseKey(ACCT, a.id))).toBeFalsy();
    await releaseLease(backend, ACCT, b.id);
    await releaseLease(backend, ACCT, b.id); // idempotent
    await b.release();
  });

  it('a lease whose lock heartbeat is older than staleAfterMs is dead', async () => {
    const backend = new MemoryBackend();
    let now = 1_000_000;
    const a = await acquireLock(backend, { mode: 'shared', host: 'elsewhere', now: () => now });
    const b = await acquireLock(backend, { mode: 'shared', now: () => now });
    expect(await acquireLease(backend, ACCT, a.id, { now: () => now })).toBe(true);
    now += 10_000;
    expect(await acquireLease(backend, ACCT, b.id, { now: () => now, staleAfterMs: 60_000, heartbeatMs: 1_000 })).toBe(
      false,
    );
    expect(await acquireLease(backend, ACCT, b.id, { now: () => now, staleAfterMs: 5_000, heartbeatMs: 1_000 })).toBe(
      true,
    );
    await a.release();
    await b.release();
  });

  it('two engines racing for one account: never both', async () => {
    const backend = new MemoryBackend();
    const a = await acquireLock(backend, { mode: 'shared' });
    const b = await acquireLock(backend, { mode: 'shared' });
    for (let i = 0; i < 5; i++) {
      const id = `11111111-2222-4333-8444-00000000000${i}`;
      const got = await Promise.all([
        acquireLease(backend, id, a.id, { settleMs: 5 }),
        acquireLease(backend, id, b.id, { settleMs: 5 }),
      ]);
      expect(got.filter(Boolean).length).toBeLessThanOrEqual(1);
    }
    await a.release();
    await b.release();
  });
});
