import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import type { AccountRunResult } from '../../src/backup/account-backup.js';
import { backupFixture, diffMailbox, journalState, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

function until(pred: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (pred()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error('timed out waiting'));
      setTimeout(tick, 20);
    };
    tick();
  });
}

describe('BackupEngine.watch (real-time capture)', () => {
  it('commits changes within seconds, survives WaitSet loss, and stops cleanly', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    const acct = emu.createAccount('rt@example.test', 'pw-rt');
    emu.deliver(acct.name, 'Subject: first\r\n\r\nhello\r\n');
    const runs: AccountRunResult[] = [];
    const engine = new BackupEngine({
      client,
      repository: repo,
      waitSetTimeoutSeconds: 5,
      onAccountRun: (r) => runs.push(r),
    });
    const stop = new AbortController();
    const watching = engine.watch({ signal: stop.signal });
    await until(() => runs.some((r) => r.accountId === acct.id));

    // Latency from a change on the server to its commit (reported, not asserted as a timing).
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = runs.length;
      const t0 = Date.now();
      emu.deliver(acct.name, `Subject: rt ${i}\r\n\r\nbody ${i}\r\n`);
      await until(() => runs.slice(before).some((r) => r.accountId === acct.id && r.itemsNew > 0));
      latencies.push(Date.now() - t0);
    }
    console.log(`real-time latency ms: ${latencies.join(', ')}`);

    // The server restarts: WaitSets are gone; a change made meanwhile must still be captured.
    await emu.restart();
    const lost = emu.deliver(acct.name, 'Subject: during restart\r\n\r\nx\r\n');
    const deadline = Date.now() + 30_000;
    while (!(await journalState(repo, acct.id)).items.has(String(lost)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    const result = await watching;
    expect(result.failures).toEqual([]);
    // Each account once, however many times it ran (issue #15: the summary counted runs as accounts).
    expect(runs.length).toBeGreaterThan(new Set(runs.map((r) => r.accountId)).size);
    expect(result.accounts).toBe(new Set(runs.map((r) => r.accountId)).size);
    const state = await journalState(repo, acct.id);
    expect(state.items.has(String(lost))).toBe(true);
    expect(diffMailbox(emu, acct.name, state)).toEqual([]);
  });
});
