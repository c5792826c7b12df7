/**
 * The `MaxListenersExceededWarning` of issue #15: every pending request, download stream and
 * retry sleep of a run listens on one abort signal, and at the peak of a run with the default
 * concurrency that was more than Node's limit of 10. The engine now gives its account runs a
 * signal of their own (src/backup/run-signal.ts) sized for its concurrency and linked to the
 * caller's by one listener; these tests count the listeners on the caller's signal and fail on
 * the old code, which hung every request on it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { runListenerBound, runSignal } from '../../src/backup/run-signal.js';
import { backupFixture, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** A caller's signal that records how many abort listeners it holds at most and at the end. */
function countingSignal(): { ctl: AbortController; live: () => number; peak: () => number } {
  const ctl = new AbortController();
  const s = ctl.signal;
  const held = new Set<unknown>();
  let peak = 0;
  const add = s.addEventListener.bind(s);
  const remove = s.removeEventListener.bind(s);
  s.addEventListener = ((
    type: string,
    fn: Parameters<AbortSignal['addEventListener']>[1],
    o?: Parameters<AbortSignal['addEventListener']>[2],
  ) => {
    if (type === 'abort') {
      held.add(fn);
      peak = Math.max(peak, held.size);
    }
    add(type, fn, o);
  }) as typeof s.addEventListener;
  s.removeEventListener = ((
    type: string,
    fn: Parameters<AbortSignal['removeEventListener']>[1],
    o?: Parameters<AbortSignal['removeEventListener']>[2],
  ) => {
    if (type === 'abort') held.delete(fn);
    remove(type, fn, o);
  }) as typeof s.removeEventListener;
  return { ctl, live: () => held.size, peak: () => peak };
}

/** Warnings the process emits while `fn` runs. */
async function warningsDuring(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const on = (w: Error): void => void seen.push(`${w.name}: ${w.message}`);
  process.on('warning', on);
  try {
    await fn();
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  } finally {
    process.off('warning', on);
  }
  return seen;
}

describe('abort listeners of a backup run', () => {
  it('a run with 6 accounts and 12 downloads at once hangs one listener on the caller signal, and none after', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    for (let a = 0; a < 6; a++) {
      const u = emu.createAccount(`load${a}@example.test`, 'pw');
      for (let i = 0; i < 30; i++) emu.deliver(u.name, `Subject: m${i}\r\n\r\n${'body '.repeat(2000)}${i}\r\n`);
    }
    const engine = new BackupEngine({ client, repository: repo, concurrency: 6, itemConcurrency: 12 });
    const caller = countingSignal();
    const warnings = await warningsDuring(async () => {
      const r = await engine.run({ signal: caller.ctl.signal });
      expect(r.failures).toEqual([]);
      expect(r.itemsNew).toBeGreaterThanOrEqual(180);
    });
    expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    expect(caller.peak()).toBeLessThanOrEqual(2);
    expect(caller.live()).toBe(0);
  }, 60_000);

  it('the run signal follows the caller, holds the bound, and unlinks', () => {
    const caller = countingSignal();
    const run = runSignal(caller.ctl.signal, 4, 8);
    expect(caller.live()).toBe(1);
    expect(runListenerBound(4, 8)).toBeGreaterThan(10);
    run.dispose();
    expect(caller.live()).toBe(0);
    const linked = runSignal(caller.ctl.signal, 1, 1);
    caller.ctl.abort(new Error('stop'));
    expect(linked.signal.aborted).toBe(true);
    expect((linked.signal.reason as Error).message).toBe('stop');
  });
});
