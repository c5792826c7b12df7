import { describe, expect, it } from 'vitest';
import { runCrashPoints } from './support/crash-scenario.js';

// Kill -9 during `zimbra-backup backup` (child process), resume, check (DESIGN.md section 6).
// The long variant (100+ points) is test/stress/crash-backup.stress.test.ts.
describe('crash: SIGKILL during a backup, then resume', () => {
  it('10 kill points: nothing committed is lost, the repository converges, every blob verifies', async () => {
    const report = await runCrashPoints({
      points: 10,
      seed: 20261126,
      accounts: 1,
      messagesPerAccount: 30,
      maxKillDelayMs: 1_000,
      changesPerPoint: 15,
      fullCheckEvery: 5,
      ...(process.env['ZB_CRASH_LOG'] ? { log: (l: string) => process.stderr.write(`${l}\n`) } : {}),
    });
    expect(report.problems).toEqual([]);
    expect(report.points).toBe(10);
    // The suite must actually crash backups mid-work, not only after they finished.
    expect(report.killedMidWork).toBeGreaterThanOrEqual(5);
    expect(report.blobsChecked).toBeGreaterThan(30);
    expect(report.fullChecks).toBe(2);
  }, 120_000);
});
