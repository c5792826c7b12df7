import { describe, expect, it } from 'vitest';
import { AccountScheduler } from '../../../src/backup/scheduler.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('AccountScheduler', () => {
  it('merges signals for a queued account into one run', async () => {
    const gate = deferred();
    const runs: string[] = [];
    const s = new AccountScheduler({
      concurrency: 1,
      run: async (id) => {
        runs.push(id);
        if (id === 'a') await gate.promise;
      },
    });
    s.schedule('a');
    s.schedule('b');
    s.schedule('b');
    s.schedule('b');
    gate.resolve();
    await s.onIdle();
    expect(runs).toEqual(['a', 'b']);
    expect(s.stats.merged).toBe(2);
  });

  it('a signal during a run causes exactly one follow-up run', async () => {
    const gates = [deferred(), deferred()];
    let n = 0;
    const s = new AccountScheduler({
      concurrency: 2,
      run: async () => {
        const g = gates[n++];
        await g?.promise;
      },
    });
    s.schedule('a', 'first');
    await Promise.resolve();
    s.schedule('a', 'x');
    s.schedule('a', 'y');
    gates[0]?.resolve();
    gates[1]?.resolve();
    await s.onIdle();
    expect(n).toBe(2);
    expect(s.stats.runs).toBe(2);
  });

  it('never runs more accounts at once than the concurrency', async () => {
    let active = 0;
    let peak = 0;
    const s = new AccountScheduler({
      concurrency: 3,
      run: async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
      },
    });
    for (let i = 0; i < 20; i++) s.schedule(`acct${i}`);
    await s.onIdle();
    expect(peak).toBe(3);
    expect(s.stats.runs).toBe(20);
  });

  it('reports failures and keeps going', async () => {
    const errors: string[] = [];
    const s = new AccountScheduler({
      run: async (id) => {
        if (id === 'bad') throw new Error('boom');
      },
      onError: (id) => errors.push(id),
    });
    s.schedule('bad');
    s.schedule('good');
    await s.onIdle();
    expect(errors).toEqual(['bad']);
    expect(s.stats.failures).toBe(1);
    s.schedule('bad');
    await s.onIdle();
    expect(errors).toEqual(['bad', 'bad']);
  });

  it('close drops queued work and waits for running work', async () => {
    const gate = deferred();
    const runs: string[] = [];
    const s = new AccountScheduler({
      concurrency: 1,
      run: async (id) => {
        runs.push(id);
        await gate.promise;
      },
    });
    s.schedule('a');
    s.schedule('b');
    const closing = s.close();
    s.schedule('c');
    gate.resolve();
    await closing;
    expect(runs).toEqual(['a']);
  });

  it('rejects a bad concurrency', () => {
    expect(() => new AccountScheduler({ concurrency: 0, run: async () => {} })).toThrow(/concurrency/);
  });

  it('pause waits for running jobs, holds queued ones and new signals, and resume runs them', async () => {
    const gate = deferred();
    const runs: string[] = [];
    const s = new AccountScheduler({
      concurrency: 2,
      run: async (id) => {
        runs.push(id);
        if (id === 'a') await gate.promise;
      },
    });
    s.schedule('a');
    let drained = false;
    const paused = s.pause().then(() => (drained = true));
    s.schedule('b');
    await new Promise((r) => setTimeout(r, 10));
    expect(drained).toBe(false); // 'a' is still running
    expect(runs).toEqual(['a']); // 'b' is held although a slot is free
    gate.resolve();
    await paused;
    s.schedule('c');
    await new Promise((r) => setTimeout(r, 10));
    expect(runs).toEqual(['a']);
    s.resume();
    await s.onIdle();
    expect(runs).toEqual(['a', 'b', 'c']);
  });
});
